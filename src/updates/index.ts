// Data snapshots for safe updates (docs/updates.md, "Data snapshots"): what the update
// lifecycle calls to copy an app's data dir before a new version starts, and to put it back.
export type { DataSnapshot } from './data-snapshot.js';
export type { CopyMethod } from './copy-tree.js';
export { SnapshotError, type SnapshotErrorCode } from './snapshot-error.js';
export { takeSnapshot, type TakeSnapshotOptions } from './take-snapshot.js';
export { restoreSnapshot, type RestoreOptions } from './restore-snapshot.js';
export { recoverRestore, type RestoreRecovery } from './recover-restore.js';
export { listSnapshots, pruneSnapshots } from './list-snapshots.js';
export { snapshotPreflight } from './snapshot-preflight.js';
