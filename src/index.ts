export { createOrchestrator, PodwardenError } from './orchestrator.js';
export type { AppStatus, Orchestrator, OrchestratorOptions } from './orchestrator.js';
export type { Transition } from './streams/transitions.js';
export type { PassReport, PassEntry, BackoffPolicy } from '../machines/types.js';
export type { EnginePort, ContainerObservation, EngineEvent } from './engine/port.js';
export { EngineError } from './engine/port.js';
export { createDockerodeEngine } from './engine/dockerode/dockerode-engine.js';
export { createSimulatedEngine } from './engine/simulator/simulator.js';
export { createLogger, silentLogger } from './log.js';
