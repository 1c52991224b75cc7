import { beforeAll, describe, expect, it } from 'vitest';
import { appMachine } from '../../machines/app.machine.js';
import { AppRig } from './app-rig.js';
import {
  appWorldModel,
  describeEvent,
  healWorldModel,
  inCoreLifecycle,
  updateWorldModel,
  type WorldEvent,
} from './app-world.js';
import { CoverageRecorder, formatCoverage, type CoverageReport } from './coverage.js';
import { explainDivergences, replayFamily, type FamilyResult } from './model-run.js';
import {
  edgeCoveringPaths,
  modelGraph,
  shortestPaths,
  simplePaths,
  withoutPrefixes,
  type ModelGraph,
} from './paths.js';

/**
 * The real app machine, driven along paths generated from a model of its world (see
 * app-world.ts), with controllable engine answers and a simulated clock. After every event
 * the rig checks state, knowledge, invoked effect and the messages to the parent.
 */

const MAX_SIMPLE_PATH = 16;
const MAX_WALK = 300;

let graph: ModelGraph<WorldEvent>;
let healGraph: ModelGraph<WorldEvent>;
let updateGraph: ModelGraph<WorldEvent>;
type Family = 'shortest' | 'simple' | 'walks' | 'healShortest' | 'healWalks' | 'updateWalks';
const results: Record<Family, FamilyResult> = {} as never;
let coverage: CoverageReport;

beforeAll(async () => {
  const began = performance.now();
  graph = modelGraph(appWorldModel);
  const families = {
    shortest: withoutPrefixes(shortestPaths(appWorldModel), describeEvent),
    simple: withoutPrefixes(simplePaths(appWorldModel, inCoreLifecycle, MAX_SIMPLE_PATH), describeEvent),
    walks: edgeCoveringPaths(graph, MAX_WALK),
  };
  healGraph = modelGraph(healWorldModel);
  const healFamilies = {
    shortest: withoutPrefixes(shortestPaths(healWorldModel), describeEvent),
    walks: edgeCoveringPaths(healGraph, MAX_WALK),
  };
  // Walks only: they reach every state too, and the update world's events cost the most to
  // replay (about three times the main world's each), so its shortest paths would add a fifth.
  updateGraph = modelGraph(updateWorldModel);
  const updateWalks = edgeCoveringPaths(updateGraph, MAX_WALK);
  const recorder = new CoverageRecorder(appMachine);
  const rig = new AppRig(appMachine, recorder);
  const healRig = new AppRig(appMachine, recorder, true);
  const replay = (path: WorldEvent[]) => rig.replay(path);
  const healReplay = (path: WorldEvent[]) => healRig.replay(path);
  const updateRig = new AppRig(appMachine, recorder, false, true);
  const updateReplay = (path: WorldEvent[]) => updateRig.replay(path);
  results.shortest = await replayFamily('shortest paths to every model state', families.shortest, replay);
  results.simple = await replayFamily(
    `simple paths of the core lifecycle (≤ ${MAX_SIMPLE_PATH} events)`,
    families.simple,
    replay,
  );
  results.walks = await replayFamily(
    `walks taking every model transition (≤ ${MAX_WALK} events)`,
    families.walks,
    replay,
  );
  results.healShortest = await replayFamily(
    'self-healing world: shortest paths to every state',
    healFamilies.shortest,
    healReplay,
  );
  results.healWalks = await replayFamily(
    `self-healing world: walks taking every transition (≤ ${MAX_WALK} events)`,
    healFamilies.walks,
    healReplay,
  );
  results.updateWalks = await replayFamily(
    `update world: walks taking every transition (≤ ${MAX_WALK} events)`,
    updateWalks,
    updateReplay,
  );
  coverage = recorder.report();
  const all = Object.values(results);
  console.log(
    [
      `app model: ${graph.vertices.length} states, ${graph.edges} transitions (${graph.selfLoops} leave the state unchanged)`,
      `self-healing model: ${healGraph.vertices.length} states, ${healGraph.edges} transitions`,
      `update model: ${updateGraph.vertices.length} states, ${updateGraph.edges} transitions`,
      ...all.map((r) => `  ${r.name}: ${r.paths} paths, ${r.steps} events, ${r.divergences.length} diverge`),
      formatCoverage('app machine', coverage, {
        paths: all.reduce((sum, r) => sum + r.paths, 0),
        steps: all.reduce((sum, r) => sum + r.steps, 0),
      }),
      `  ${Math.round(performance.now() - began)} ms`,
    ].join('\n'),
  );
}, 900_000); // ~45 s alone; several times that on a loaded 2-core machine

describe('the app machine against a model of its world', () => {
  it('follows the model along a shortest path to every state of the model', () => {
    expect(results.shortest.divergences.length, explainDivergences(results.shortest)).toBe(0);
  });

  it('follows the model along every simple path of the core lifecycle', () => {
    expect(results.simple.paths).toBeGreaterThan(100);
    expect(results.simple.divergences.length, explainDivergences(results.simple)).toBe(0);
  });

  it('follows the model along walks that take every transition of the model', () => {
    expect(results.walks.steps).toBeGreaterThanOrEqual(graph.edges);
    expect(results.walks.divergences.length, explainDivergences(results.walks)).toBe(0);
  });

  it('follows the self-healing model (probes, restart budget) along shortest paths and covering walks', () => {
    expect(results.healShortest.divergences.length, explainDivergences(results.healShortest)).toBe(0);
    expect(results.healWalks.steps).toBeGreaterThanOrEqual(healGraph.edges);
    expect(results.healWalks.divergences.length, explainDivergences(results.healWalks)).toBe(0);
  });

  it('follows the update model (offers, preparing, trial, rollback, boot in flight) along covering walks', () => {
    expect(results.updateWalks.steps).toBeGreaterThanOrEqual(updateGraph.edges);
    expect(results.updateWalks.divergences.length, explainDivergences(results.updateWalks)).toBe(0);
  });

  it('reaches every state and takes every transition of the machine on those paths', () => {
    const summary = formatCoverage('app machine', coverage);
    expect(coverage.states.missing, summary).toEqual([]);
    expect(coverage.transitions.missing, summary).toEqual([]);
    expect(coverage.states.total).toBeGreaterThan(0);
    expect(coverage.transitions.total).toBeGreaterThan(0);
  });
});
