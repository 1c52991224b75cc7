import { beforeAll, describe, expect, it } from 'vitest';
import { supervisorMachine } from '../../machines/supervisor.machine.js';
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
import { SupervisorRig } from './supervisor-rig.js';
import {
  describeSupervisorEvent,
  inPassLoop,
  inRecoveryGate,
  supervisorWorldModel,
  type SupervisorWorldEvent,
} from './supervisor-world.js';

/**
 * The real supervisor, its app machines replaced by stubs that speak their protocol, driven
 * along paths generated from a model of its world (see supervisor-world.ts) with controllable
 * recovery and list calls, tick and engine-event streams, and a simulated clock.
 */

const MAX_SIMPLE_PATH = 20;
const MAX_WALK = 300;

let graph: ModelGraph<SupervisorWorldEvent>;
const results: Record<'shortest' | 'simple' | 'walks', FamilyResult> = {} as never;
let coverage: CoverageReport;

beforeAll(async () => {
  const began = performance.now();
  graph = modelGraph(supervisorWorldModel);
  const simple = [
    ...simplePaths(supervisorWorldModel, inRecoveryGate, MAX_SIMPLE_PATH),
    ...simplePaths(supervisorWorldModel, inPassLoop, MAX_SIMPLE_PATH),
  ];
  const families = {
    shortest: withoutPrefixes(shortestPaths(supervisorWorldModel), describeSupervisorEvent),
    simple: withoutPrefixes(simple, describeSupervisorEvent),
    walks: edgeCoveringPaths(graph, MAX_WALK),
  };
  const recorder = new CoverageRecorder(supervisorMachine);
  const rig = new SupervisorRig(recorder);
  const replay = (path: SupervisorWorldEvent[]) => rig.replay(path);
  results.shortest = await replayFamily('shortest paths to every model state', families.shortest, replay);
  results.simple = await replayFamily(
    `simple paths of the recovery gate and of the pass loop (≤ ${MAX_SIMPLE_PATH} events)`,
    families.simple,
    replay,
  );
  results.walks = await replayFamily(
    `walks taking every model transition (≤ ${MAX_WALK} events)`,
    families.walks,
    replay,
  );
  coverage = recorder.report();
  const all = Object.values(results);
  console.log(
    [
      `supervisor model: ${graph.vertices.length} states, ${graph.edges} transitions (${graph.selfLoops} leave the state unchanged)`,
      ...all.map((r) => `  ${r.name}: ${r.paths} paths, ${r.steps} events, ${r.divergences.length} diverge`),
      formatCoverage('supervisor machine', coverage, {
        paths: all.reduce((sum, r) => sum + r.paths, 0),
        steps: all.reduce((sum, r) => sum + r.steps, 0),
      }),
      `  ${Math.round(performance.now() - began)} ms`,
    ].join('\n'),
  );
}, 120_000);

describe('the supervisor against a model of its world', () => {
  it('follows the model along a shortest path to every state of the model', () => {
    expect(results.shortest.divergences.length, explainDivergences(results.shortest)).toBe(0);
  });

  it('follows the model along every simple path of the recovery gate and of the pass loop', () => {
    expect(results.simple.paths).toBeGreaterThan(100);
    expect(results.simple.divergences.length, explainDivergences(results.simple)).toBe(0);
  });

  it('follows the model along walks that take every transition of the model', () => {
    expect(results.walks.steps).toBeGreaterThanOrEqual(graph.edges);
    expect(results.walks.divergences.length, explainDivergences(results.walks)).toBe(0);
  });

  it('reaches every state and takes every transition of the supervisor on those paths', () => {
    const summary = formatCoverage('supervisor machine', coverage);
    expect(coverage.states.missing, summary).toEqual([]);
    expect(coverage.transitions.missing, summary).toEqual([]);
    expect(coverage.states.total).toBeGreaterThan(0);
    expect(coverage.transitions.total).toBeGreaterThan(0);
  });
});
