import { beforeAll, describe, expect, it } from 'vitest';
import { companionUnitMachine } from '../../machines/companion-unit.machine.js';
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
import { UnitRig } from './unit-rig.js';
import { describeUnitEvent, unitWorldModel, type UnitWorld, type UnitWorldEvent } from './unit-world.js';

/**
 * The real companion-unit machine (systemd backend), driven along paths generated from a
 * model of its world (unit-world.ts): systemd's answers, passes, owner commands, its app's
 * readiness and time, with controllable effects and a simulated clock.
 */

const MAX_SIMPLE_PATH = 12;
const MAX_WALK = 300;

/** Install, the pass check (file rewritten or unit found inactive), backoff, stop and uninstall. */
function inCoreLifecycle(_world: UnitWorld, event: UnitWorldEvent): boolean {
  switch (event.type) {
    case 'BOOT':
      return event.desired === 'running' && !event.blocked;
    case 'STEP.OK':
    case 'OBSERVED':
    case 'TIME.BACKOFF':
      return true;
    case 'SET_DESIRED':
      return event.desired !== 'running';
    default:
      return false;
  }
}

let graph: ModelGraph<UnitWorldEvent>;
const results: Record<'shortest' | 'simple' | 'walks', FamilyResult> = {} as never;
let coverage: CoverageReport;

beforeAll(async () => {
  const began = performance.now();
  graph = modelGraph(unitWorldModel);
  const families = {
    shortest: withoutPrefixes(shortestPaths(unitWorldModel), describeUnitEvent),
    simple: withoutPrefixes(simplePaths(unitWorldModel, inCoreLifecycle, MAX_SIMPLE_PATH), describeUnitEvent),
    walks: edgeCoveringPaths(graph, MAX_WALK),
  };
  const recorder = new CoverageRecorder(companionUnitMachine);
  const rig = new UnitRig(recorder);
  const replay = (path: UnitWorldEvent[]) => rig.replay(path);
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
  coverage = recorder.report();
  const all = Object.values(results);
  console.log(
    [
      `companion-unit model: ${graph.vertices.length} states, ${graph.edges} transitions (${graph.selfLoops} leave the state unchanged)`,
      ...all.map((r) => `  ${r.name}: ${r.paths} paths, ${r.steps} events, ${r.divergences.length} diverge`),
      formatCoverage('companion-unit machine', coverage, {
        paths: all.reduce((sum, r) => sum + r.paths, 0),
        steps: all.reduce((sum, r) => sum + r.steps, 0),
      }),
      `  ${Math.round(performance.now() - began)} ms`,
    ].join('\n'),
  );
}, 900_000);

describe('the companion-unit machine against a model of its world', () => {
  it('follows the model along a shortest path to every state of the model', () => {
    expect(results.shortest.divergences.length, explainDivergences(results.shortest)).toBe(0);
  });

  it('follows the model along every simple path of the core lifecycle', () => {
    expect(results.simple.paths).toBeGreaterThan(50);
    expect(results.simple.divergences.length, explainDivergences(results.simple)).toBe(0);
  });

  it('follows the model along walks that take every transition of the model', () => {
    expect(results.walks.steps).toBeGreaterThanOrEqual(graph.edges);
    expect(results.walks.divergences.length, explainDivergences(results.walks)).toBe(0);
  });

  it('reaches every state and takes every transition of the machine on those paths', () => {
    const summary = formatCoverage('companion-unit machine', coverage);
    expect(coverage.states.missing, summary).toEqual([]);
    expect(coverage.transitions.missing, summary).toEqual([]);
    expect(coverage.states.total).toBeGreaterThan(0);
  });
});
