/**
 * `podwarden/testing`: what an embedder's own tests use, kept out of the daemon's entry point
 * (`podwarden`) so the daemon never loads it. The simulator is an in-memory podman behind the
 * same engine port, checked against the real engine by the conformance scenarios.
 */
export { createSimulatedEngine } from './engine/simulator/simulator.js';
export type { SimulatedEngine, SimulatorOptions } from './engine/simulator/simulator.js';
export type {
  ImageBehaviour,
  ServeBehaviour,
  ExitBehaviour,
  PrintedLine,
} from './engine/simulator/simulator-images.js';
export type { SimulatorControl, ExecAnswer } from './engine/simulator/simulator-control.js';
export type { EngineMethod } from './engine/simulator/simulator-conditions.js';
export type { Clock, TimerId } from './domain/clock.js';
export { memoryUpdateRecords } from './updates/update-records.js';
export type { UpdateRecords } from './updates/update-records.js';
