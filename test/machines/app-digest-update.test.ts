import { afterEach, describe, expect, it } from 'vitest';
import type { AppSpec } from '../../machines/types.js';
import { beganUpdate, isRejected, keptOnOldImage, type UpdateRecord } from '../../machines/update.js';
import { container, updateHarness, versionSpec } from './update-harness.js';

// Same tag, new digest (docs/updates.md): the owner's `update` brings the manifest the app runs
// with `image.newDigest`; the app machine updates to it like to a new version, and a rollback
// makes the old version from the old image's id (the tag on the host names the new image by then).

const v1 = versionSpec(1);
const OLD_ID = `sha256:${'a'.repeat(64)}`;
const NEW = `sha256:${'b'.repeat(64)}`;
const digestOf = (spec: AppSpec, to = NEW): AppSpec => ({
  ...spec,
  image: { ...spec.image, newDigest: { from: `sha256:${'c'.repeat(64)}`, fromImageId: OLD_ID, to } },
});
const SNAPSHOT = { path: '/state/snapshots/demo/1', takenAt: 1, bytes: 10, files: 1, durationMs: 5, method: 'copy' };

let stop: (() => void) | undefined;
afterEach(() => stop?.());

async function runningV1() {
  const h = updateHarness({ spec: v1, observation: container(v1, 'running') });
  stop = h.stop;
  await h.observe(container(v1, 'running'));
  return h;
}

/** Offered v1's manifest with a new digest, through preparing to the new image on trial. */
async function onTrial() {
  const h = await runningV1();
  h.send({ type: 'UPDATE_SPEC', spec: digestOf(v1), retry: true });
  expect(h.state()).toContain('updating');
  const begun = (await h.answer('saveUpdate')) as { record: UpdateRecord };
  const pulled = (await h.answer('pullImage', { ref: v1.image.ref, begunAt: 0, at: 0 })) as { spec: AppSpec };
  await h.answer('stopContainer');
  await h.answer('snapshotData', SNAPSHOT);
  await h.answer('removeContainer');
  await h.answer('saveUpdate'); // the hand-over
  await h.bringsUp(v1);
  return { h, begun: begun.record, pulled: pulled.spec };
}

describe('same tag, new digest', () => {
  it('is an update though the manifest is the same: the tag is pulled again, the old version pinned to its image id', async () => {
    const { h, begun, pulled } = await onTrial();
    expect(begun.from.container.image).toBe(OLD_ID);
    expect(begun.from.image).toMatchObject({ ref: OLD_ID, pullPolicy: 'never' });
    expect(begun.to.image.newDigest?.to).toBe(NEW);
    expect(pulled.image).toMatchObject({ ref: v1.image.ref, pullPolicy: 'always' });
    expect(h.state()).toContain('trial');
  });

  it('a manifest without a new digest, or with the digest the app already runs, is no update', async () => {
    const h = await runningV1();
    h.send({ type: 'UPDATE_SPEC', spec: v1, retry: true });
    expect(h.state()).not.toContain('updating');
    expect(h.context().spec.image.newDigest).toBeUndefined();
  });

  it('rolls back a crashing new image: its container goes (same spec hash), and the old version is made from the old image id', async () => {
    const { h } = await onTrial();
    await h.observe(container(v1, 'exited'));
    expect(h.state()).toContain('rollingBack');
    await h.answer('saveUpdate'); // the rollback's start
    await h.answer('removeContainer');
    await h.answer('restoreData');
    const ended = (await h.answer('saveUpdate')) as { record: UpdateRecord };
    expect(ended.record).toMatchObject({ result: 'rolled-back' });
    expect(h.context().spec.container.image).toBe(OLD_ID);
    // The old version comes from its id, never pulled.
    const fetched = (await h.answer('pullImage', { ref: OLD_ID, begunAt: 0, at: 0 })) as { spec: AppSpec };
    expect(fetched.spec.image).toMatchObject({ ref: OLD_ID, pullPolicy: 'never' });
  });

  it('after a rolled-back digest the catalog manifest is run from the old image, and that digest is refused until asked', () => {
    const last: UpdateRecord = {
      appId: v1.appId,
      from: v1,
      to: digestOf(v1),
      phase: 'rolling-back',
      done: ['fetch', 'stop', 'replace'],
      touched: true,
      result: 'rolled-back',
    };
    expect(keptOnOldImage(last, v1).container.image).toBe(OLD_ID);
    expect(keptOnOldImage({ ...last, result: 'updated' }, v1)).toBe(v1);
    expect(isRejected(last, v1)).toBe(false);
    expect(isRejected(last, digestOf(v1))).toBe(true);
    expect(isRejected(last, digestOf(v1, `sha256:${'d'.repeat(64)}`))).toBe(false);
  });
});

describe('a new manifest that the registry also answered for', () => {
  it('is an ordinary update: no digest rides along, so a rolled-back version stays refused and is never pinned to the old image', () => {
    const v2 = versionSpec(2);
    const record = beganUpdate(v1, digestOf(v2));
    expect(record.to.image.newDigest).toBeUndefined();
    expect(record.from).toBe(v1);
    const rolledBack: UpdateRecord = { ...record, phase: 'rolling-back', result: 'rolled-back' };
    expect(isRejected(rolledBack, v2)).toBe(true);
    expect(keptOnOldImage(rolledBack, v2)).toBe(v2);
  });
});
