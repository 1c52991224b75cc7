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
export { createMetrics } from './metrics/metrics.js';
export type { Explanation } from './explain/explain.js';
export type { PlanEntry } from './explain/plan.js';
export type { JournalRecord, JournalStep } from './journal/records.js';
export type { Transition } from './streams/transitions.js';
export type {
  PassReport,
  PassEntry,
  BackoffPolicy,
  RestartBudget,
  AppProbes,
  ProbeSpec,
  ProbeCheck,
} from '../machines/types.js';
export { describeFailure } from '../machines/failure.js';
export type { FailureReason, FailureKind, ProbeRole } from '../machines/failure.js';
export type { EnginePort, EngineEvent, ExecResult } from './engine/port.js';
export type { ContainerObservation } from './domain/container-observation.js';
export { EngineError } from './domain/engine-error.js';
export { systemClock } from './domain/clock.js';
export type { Clock, TimerId } from './domain/clock.js';
export { createDockerodeEngine } from './engine/dockerode/dockerode-engine.js';
export { createLogger, silentLogger } from './log.js';
export { DesiredStateError } from './state/desired-state-error.js';
