// A process that takes or restores one snapshot, for the tests that kill it (-9) part way:
//   node --import tsx snapshot-child.ts take '<TakeSnapshotOptions as JSON>'
//   node --import tsx snapshot-child.ts restore '<DataSnapshot as JSON>' <dataDir>
// It says "begun" on stdout before it starts, and "done" when it has finished.
import { restoreSnapshot, takeSnapshot } from '../../../src/updates/index.js';

const [action, json, dataDir] = process.argv.slice(2);
process.stdout.write('begun\n');
if (action === 'take') await takeSnapshot(JSON.parse(json!));
else if (action === 'restore') await restoreSnapshot(JSON.parse(json!), dataDir!);
else throw new Error(`unknown action ${action}`);
process.stdout.write('done\n');
