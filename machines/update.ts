import { LABELS } from '../src/domain/labels.js';
import type { AppSpec, DigestChange, Observed } from './types.js';

/**
 * What an app machine knows of an update: the version it replaces (kept whole, to go back
 * to), the one it brings, how far it got, and how it ended. The same record is what the
 * update effects keep on disk (src/updates/update-records.ts: at the start, with the snapshot,
 * at the hand-over to the new version, when a rollback starts, at the end), so a podwarden
 * killed mid-update finds it at boot and rolls back (see `resumedUpdate`).
 */

/** How far an update got: `preparing` (the old version may be stopped; nothing new ran), `trial` (the new version runs and must prove itself), `rolling-back`. */
export type UpdatePhase = 'preparing' | 'trial' | 'rolling-back';

/** How an update ended. `abandoned`: it never started the new version (the image could not be fetched, the snapshot failed). */
export type UpdateResult = 'updated' | 'rolled-back' | 'abandoned';

/** A copy of the app's data dir taken before the new version first started. */
export interface SnapshotRef {
  path: string;
  /** ms since epoch */
  takenAt: number;
  bytes: number;
  files: number;
  durationMs: number;
  method: string;
}

/** The steps of preparing an update, each done once. */
export type PrepareStep = 'fetch' | 'stop' | 'snapshot' | 'replace';

export interface UpdateRecord {
  appId: string;
  from: AppSpec;
  to: AppSpec;
  phase: UpdatePhase;
  /** Preparing steps done so far. */
  done: PrepareStep[];
  snapshot?: SnapshotRef;
  /** The new version was rendered or started: the data may differ from the snapshot. */
  touched: boolean;
  /** The rollback put the snapshot back. */
  restored?: boolean;
  result?: UpdateResult;
  /** Why it was rolled back or abandoned, in words. */
  reason?: string;
  /** ms since epoch when the update began and ended (from the effects' answers). */
  startedAt?: number;
  endedAt?: number;
}

export function versionOf(spec: AppSpec): string {
  return spec.version ?? spec.specHash.slice(0, 12);
}

/** The new digest a spec brings (the owner's `update`); the model's specs carry no image at all. */
export function newDigestOf(spec: AppSpec): DigestChange | undefined {
  return (spec.image as AppSpec['image'] | undefined)?.newDigest;
}

/** The spec as a manifest gives it: a new digest is brought only by the owner's update. */
export function withoutNewDigest(spec: AppSpec): AppSpec {
  if (newDigestOf(spec) === undefined) return spec;
  const { newDigest: _newDigest, ...image } = spec.image;
  return { ...spec, image };
}

/** `sha256:05efdbd8a7d0a3d4…` → `sha256:05efdbd8a7d0` (what people compare by eye). */
export function shortDigest(digest: string | undefined): string {
  return digest === undefined ? 'a local image' : digest.slice(0, 'sha256:'.length + 12);
}

/**
 * `0.10.5 → 0.10.6`, `0.10.5 (new image sha256:05efdbd8a7d0 → sha256:9a1c…)` for the same tag
 * with a new digest, or `0.10.5 (its manifest changed)` when the version did not change.
 */
export function updateTitle(record: Pick<UpdateRecord, 'from' | 'to'>): string {
  const from = versionOf(record.from);
  const to = versionOf(record.to);
  const digest = newDigestOf(record.to);
  if (digest !== undefined && from === to)
    return `${from} (new image ${shortDigest(digest.from)} → ${shortDigest(digest.to)})`;
  return from === to ? `${from} (its manifest changed)` : `${from} → ${to}`;
}

/**
 * The owner's `update` brings another image behind the same tag (the manifest unchanged):
 * an update though the spec hash is the same. Not again for the digest the app already runs.
 */
export function bringsNewDigest(current: AppSpec, offered: AppSpec): boolean {
  const digest = newDigestOf(offered);
  return digest !== undefined && offered.specHash === current.specHash && digest.to !== newDigestOf(current)?.to;
}

/**
 * The running version made from the image it runs, by id: after a same-tag update the tag
 * names the new image on this host, so the old version can only come back from its id
 * (kept in the engine's store: the pull leaves it there, untagged). Never pulled.
 */
export function pinnedToImage(spec: AppSpec, imageId: string): AppSpec {
  const { newDigest: _newDigest, build: _build, pullFallback: _fallback, ...image } = spec.image;
  return {
    ...spec,
    image: { ...image, ref: imageId, pullPolicy: 'never' },
    container: { ...spec.container, image: imageId },
  };
}

/**
 * The manifest `spec` as the app runs it after `last`: when the last update brought a new
 * digest of this same manifest and did not end `updated`, the old image (by id), since the
 * tag here now names the image that was rolled back or never started.
 */
export function keptOnOldImage(last: UpdateRecord | undefined, spec: AppSpec): AppSpec {
  const digest = last && newDigestOf(last.to);
  if (last === undefined || digest === undefined || last.result === 'updated') return spec;
  if (last.to.specHash !== spec.specHash || newDigestOf(spec) !== undefined) return spec;
  return pinnedToImage(spec, digest.fromImageId);
}

/**
 * A record begun now: the running version `from` is to be replaced by `to`. For a new digest
 * behind the same tag, `from` is pinned to the image it runs (by id), the one a rollback needs.
 */
export function beganUpdate(from: AppSpec, offered: AppSpec): UpdateRecord {
  const digest = newDigestOf(offered);
  const sameTag = digest !== undefined && bringsNewDigest(from, offered);
  // A digest rides along only on the same manifest: with a new manifest it would pin nothing and unmake the refusal of a rolled-back one.
  const to = sameTag ? offered : withoutNewDigest(offered);
  const old = sameTag ? pinnedToImage(from, digest.fromImageId) : from;
  return { appId: from.appId, from: old, to, phase: 'preparing', done: [], touched: false };
}

/**
 * What the fetch step pulls: the new version's image, and for a new digest behind the same
 * tag always from the registry (the tag is present locally, naming the old image).
 */
export function fetchedSpec(record: UpdateRecord): AppSpec {
  return newDigestOf(record.to) === undefined
    ? record.to
    : { ...record.to, image: { ...record.to.image, pullPolicy: 'always' } };
}

/**
 * The next preparing step, in the order the strategy says (download-then-replace fetches while
 * the old version still runs; stop-first stops it before anything), or `handover` when the old
 * container is gone and the new one can be made. The snapshot is taken with the old version
 * stopped, so the copy is consistent.
 */
export function nextPrepareStep(record: UpdateRecord, hasContainer: boolean): PrepareStep | 'handover' {
  const order: PrepareStep[] =
    record.to.update?.strategy === 'stop-first'
      ? ['stop', 'snapshot', 'fetch', 'replace']
      : ['fetch', 'stop', 'snapshot', 'replace'];
  for (const step of order) {
    if (record.done.includes(step)) continue;
    if ((step === 'stop' || step === 'replace') && !hasContainer) continue;
    if (step === 'snapshot' && !takesSnapshot(record)) continue;
    return step;
  }
  return 'handover';
}

/** The update promises a snapshot: the app has a data dir and its policy asks for one. */
export function takesSnapshot(record: UpdateRecord): boolean {
  return (record.to.update?.snapshot ?? false) && record.to.dataDir !== undefined;
}

/** The rollback puts the snapshot back: there is one, the new version may have changed the data, and the policy asks. */
export function restoresData(record: UpdateRecord): boolean {
  return record.snapshot !== undefined && record.touched && !record.restored && (record.to.update?.restoreData ?? true);
}

/**
 * A container the rollback removes: any that is not the old version's (the old one is kept and
 * started again), and the old one too when the data is about to be restored under it (a
 * container found running at boot must not run on a data dir being swapped).
 */
export function holdsNewContainer(record: UpdateRecord, container: Observed | undefined): boolean {
  if (container === null || container === undefined) return false;
  // Same tag, new digest: both versions carry one spec hash; once the old container was replaced, any is the new one.
  const replacedSameSpec = newDigestOf(record.to) !== undefined && record.done.includes('replace');
  return container.labels[LABELS.specHash] !== record.from.specHash || replacedSameSpec || restoresData(record);
}

/**
 * A spec the last update rolled back or abandoned: not tried again until the owner asks
 * (`podwarden update`) or the catalog offers another one.
 */
export function isRejected(last: UpdateRecord | undefined, spec: AppSpec): boolean {
  return (
    last !== undefined &&
    last.result !== 'updated' &&
    last.to.specHash === spec.specHash &&
    newDigestOf(last.to)?.to === newDigestOf(spec)?.to
  );
}

/**
 * What a machine resumes from a record found at boot: an update still under way is rolled back
 * (podwarden stopped in the middle: the new version never proved itself). The data goes back
 * when a snapshot exists, since nothing says the new version did not touch it.
 */
export function resumedUpdate(record: UpdateRecord): UpdateRecord {
  if (record.result !== undefined) return record;
  return {
    ...record,
    phase: 'rolling-back',
    touched: record.touched || record.snapshot !== undefined,
    reason: record.reason ?? 'podwarden stopped during the update, before the new version proved itself',
  };
}
