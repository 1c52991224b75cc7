export { createOrchestrator, PodwardenError } from './orchestrator.js';
export type {
  AppProgress,
  AppStatus,
  CatalogApp,
  CommandOptions,
  Health,
  Orchestrator,
  OrchestratorOptions,
  UninstallOptions,
} from './orchestrator.js';
export { createApiServer } from './api/server.js';
export type { ApiServer, ApiServerOptions } from './api/server.js';
export { createApiClient, ApiError, DaemonUnreachableError } from './api/client.js';
export type { ApiClient, ApiTarget, RawResponse, SseSubscription } from './api/client.js';
export { createMetrics } from './metrics/metrics.js';
export type { PodwardenMetrics } from './metrics/metrics.js';
export type { Explanation } from './explain/explain.js';
export type { PlanEntry } from './explain/plan.js';
export type {
  JournalRecord,
  JournalStep,
  IntentRecord,
  OutcomeRecord,
  CommandRecord,
  JournaledFile,
} from './journal/records.js';
export type { JournalDamage } from './journal/journal-file.js';
export type { StepCause } from '../machines/step-cause.js';
export type { StepName } from '../machines/step.js';
export type { Transition } from './streams/transitions.js';
export type {
  PassReport,
  PassEntry,
  BackoffPolicy,
  RestartBudget,
  AppProbes,
  ProbeSpec,
  ProbeCheck,
  Desired,
  UpdatePolicy,
  DigestChange,
  AppSpec,
  PullPolicy,
  RenderSpec,
} from '../machines/types.js';
export type { UpdateRecord, UpdatePhase, UpdateResult, SnapshotRef, PrepareStep } from '../machines/update.js';
export type { UpdateEnded } from './updates/update-wiring.js';
export { describeFailure } from '../machines/failure.js';
export type { FailureReason, FailureKind, ProbeRole } from '../machines/failure.js';
export type {
  EnginePort,
  EngineEvent,
  ExecResult,
  EngineInfo,
  LogLine,
  LogOptions,
  PullOptions,
  PullProgress,
  BuildSpec,
  StorageSpace,
  ImageIdentity,
} from './engine/port.js';
export type { DigestOffer } from './registry/digest-offer.js';
export { tagDigest, RegistryError } from './registry/tag-digest.js';
export type { TagDigestOptions, RegistryErrorCode } from './registry/tag-digest.js';
export type {
  ContainerObservation,
  ContainerEvent,
  ContainerAction,
  ContainerStatus,
  EngineHealthcheck,
  HealthStatus,
} from './domain/container-observation.js';
export type { ContainerSpec, ContainerResources, Mount, PortBinding } from './domain/container-spec.js';
export { EngineError } from './domain/engine-error.js';
export type { EngineErrorCode } from './domain/engine-error.js';
export { systemClock } from './domain/clock.js';
export type { Clock, TimerId } from './domain/clock.js';
export { createDockerodeEngine } from './engine/dockerode/dockerode-engine.js';
export type { DockerodeEngineOptions } from './engine/dockerode/dockerode-engine.js';
export type { EngineWorkLoad } from './engine/engine-work.js';
export { createLogger, silentLogger } from './log.js';
export type { Logger, LogFormat } from './log.js';
export { ManifestError } from './manifest/errors.js';
export type { ManifestParser } from './manifest/manifest-parser.js';
export type { Reader } from './manifest/reader-thread.js';
export type { ParseResult } from './manifest/parse-manifest.js';
export type { VolumeMount } from './manifest/field-formats.js';
export type { SystemdUnits } from './companions/systemd/systemd-units.js';
export { DesiredStateError } from './state/desired-state-error.js';
export { exportKube, kubeYaml, KubeExportError } from './export/export-kube.js';
export type { KubeExport, KubeExportOptions } from './export/export-kube.js';
export type { ExportTarget } from './export/export-target.js';
export type { ExportWarning } from './export/export-warning.js';
export type {
  KubeClaim,
  KubeConfigMap,
  KubeContainer,
  KubeDeployment,
  KubeDocument,
  KubeMeta,
  KubePod,
  KubePodSpec,
  KubeProbe,
  KubeSecret,
  KubeService,
  KubeVolume,
  KubeVolumeMount,
} from './export/kube-objects.js';
export { importKube, ImportRefusal } from './export/import-kube.js';
export type { KubeImport } from './export/import-kube.js';
export type { AppManifest } from './manifest/schema.js';
