import { appMachine } from '../../machines/app.machine.js';
import { AppRig } from './app-rig.js';
import { appWorldModel, healWorldModel, describeEvent, updateWorldModel, type WorldEvent } from './app-world.js';
import { CoverageRecorder } from './coverage.js';
import { replayFamily } from './model-run.js';
import { edgeCoveringPaths, modelGraph, shortestPaths, withoutPrefixes } from './paths.js';
const recorder = new CoverageRecorder(appMachine);
for (const [name, model, heal, upd] of [
  ['main', appWorldModel, false, false],
  ['heal', healWorldModel, true, false],
  ['update', updateWorldModel, false, true],
] as const) {
  const c0 = process.cpuUsage();
  const s = withoutPrefixes(shortestPaths(model), describeEvent);
  const w = edgeCoveringPaths(modelGraph(model), 300);
  const c1 = process.cpuUsage(c0);
  const rig = new AppRig(appMachine, recorder, heal, upd);
  const r1 = await replayFamily('s', s, (p: WorldEvent[]) => rig.replay(p));
  const r2 = await replayFamily('w', w, (p: WorldEvent[]) => rig.replay(p));
  const c2 = process.cpuUsage(c0);
  console.log(
    name,
    'gen',
    Math.round(c1.user / 1000),
    'ms; total',
    Math.round(c2.user / 1000),
    'ms;',
    r1.steps + r2.steps,
    'events',
    r1.divergences.length + r2.divergences.length,
  );
}
