import { afterEach, describe, expect, it } from 'vitest';
import type { UpdateRecord } from '../../machines/update.js';
import { container, updateHarness, versionSpec } from './update-harness.js';

// An update's lifecycle in the app machine (machines/app-updating.ts, the `trial` region of
// app-running.ts), step by step with every effect answered by hand.

const v1 = versionSpec(1);
const v2 = versionSpec(2);
const SNAPSHOT = { path: '/state/snapshots/demo/1', takenAt: 1, bytes: 10, files: 1, durationMs: 5, method: 'copy' };

/** A v1 → v2 record found at boot: every preparing step done, the snapshot taken, the new version handed over. */
function inFlight(record: Partial<UpdateRecord> & Pick<UpdateRecord, 'phase'>): UpdateRecord {
  return {
    appId: v1.appId,
    from: v1,
    to: v2,
    done: ['fetch', 'stop', 'snapshot', 'replace'],
    snapshot: SNAPSHOT,
    touched: true,
    ...record,
  };
}

let stop: (() => void) | undefined;
afterEach(() => stop?.());

/** An app running v1, then offered v2. */
async function runningV1(spec = v1, offered = v2) {
  const h = updateHarness({ spec, observation: container(spec, 'running') });
  stop = h.stop;
  await h.observe(container(spec, 'running'));
  expect(h.state()).toContain('running');
  h.send({ type: 'UPDATE_SPEC', spec: offered });
  return h;
}

/** Through preparing (download-then-replace) to the new version on trial, running. */
async function onTrial() {
  const h = await runningV1();
  await h.answer('saveUpdate');
  await h.answer('pullImage', { ref: v2.image.ref, begunAt: 0, at: 0 });
  await h.answer('stopContainer');
  await h.answer('snapshotData', SNAPSHOT);
  await h.answer('removeContainer');
  await h.answer('saveUpdate');
  await h.bringsUp(v2);
  return h;
}

describe('an update of a running app', () => {
  it('download-then-replace: records, fetches while the old runs, stops, snapshots, replaces, then tries the new one', async () => {
    const h = await runningV1();
    expect(h.state()).toContain('updating');
    const begun = (await h.answer('saveUpdate')) as { record: UpdateRecord };
    expect(begun.record).toMatchObject({ phase: 'preparing', from: { version: '0.1.0' }, to: { version: '0.2.0' } });
    const pulled = (await h.answer('pullImage', { ref: v2.image.ref, begunAt: 0, at: 0 })) as {
      spec: { specHash: string };
    };
    expect(pulled.spec.specHash).toBe(v2.specHash);
    const stopped = (await h.answer('stopContainer')) as { containerId: string };
    expect(stopped.containerId).toBe(`ctr-${v1.specHash}`);
    await h.answer('snapshotData', SNAPSHOT);
    await h.answer('removeContainer');
    // The hand-over is on record before the new version is made (a crash from here is a rollback).
    expect(h.context().spec.specHash).toBe(v1.specHash);
    const handedOver = (await h.answer('saveUpdate')) as { record: UpdateRecord };
    expect(handedOver.record).toMatchObject({ phase: 'trial', touched: true, snapshot: SNAPSHOT });
    expect(h.context().spec.specHash).toBe(v2.specHash);
    expect(h.record()).toMatchObject({ phase: 'trial', touched: true, snapshot: SNAPSHOT });
    await h.bringsUp(v2);
    expect(h.state()).toContain('"trial":{"judging":"proving"}');
  });

  it('stop-first stops the old version before it fetches the new image', async () => {
    const stopFirst = versionSpec(2, { strategy: 'stop-first' });
    const h = await runningV1(v1, stopFirst);
    await h.answer('saveUpdate');
    expect(h.current()).toBe('stopContainer');
    await h.answer('stopContainer');
    await h.answer('snapshotData', SNAPSHOT);
    expect(h.current()).toBe('pullImage');
  });

  it('counts the new version good after minHealthy ready, and saves that before believing it', async () => {
    const h = await onTrial();
    await h.advance(60_000);
    const saved = (await h.answer('saveUpdate')) as { record: UpdateRecord };
    expect(saved.record.result).toBe('updated');
    expect(h.record()).toBeUndefined();
    expect(h.context().lastUpdate?.result).toBe('updated');
    expect(h.context().reason).toBe('updated 0.1.0 → 0.2.0');
    expect(h.state()).toContain('"trial":"none"');
  });

  it('rolls back a new version that crashes during its trial: new container removed, data restored, old version made again', async () => {
    const h = await onTrial();
    await h.observe(container(v2, 'exited'));
    expect(h.state()).toContain('rollingBack');
    // The rollback and its reason are on record before its first step.
    const begun = (await h.answer('saveUpdate')) as { record: UpdateRecord };
    expect(begun.record).toMatchObject({ phase: 'rolling-back', touched: true });
    expect(begun.record.result).toBeUndefined();
    expect(begun.record.reason).toMatch(/^the new version failed during its trial: /);
    await h.answer('removeContainer');
    const restored = (await h.answer('restoreData')) as { record: UpdateRecord };
    expect(restored.record.snapshot).toEqual(SNAPSHOT);
    const ended = (await h.answer('saveUpdate')) as { record: UpdateRecord };
    expect(ended.record).toMatchObject({ result: 'rolled-back', restored: true });
    expect(h.context().spec.specHash).toBe(v1.specHash);
    expect(h.context().lastUpdate?.reason).toMatch(/^the new version failed during its trial: /);
    // The old version is made again like any.
    await h.answer('pullImage', { ref: v1.image.ref, begunAt: 0, at: 0 });
    await h.bringsUp(v1);
    expect(h.state()).toContain('running');
    expect(h.context().failures).toBe(0);
  });

  it('rolls back a new version that is not ready long enough before the deadline', async () => {
    const probe = { check: { kind: 'tcp' as const, port: 80 }, intervalMs: 1_000, timeoutMs: 1_000 };
    const readiness = { ...probe, failureThreshold: 1, successThreshold: 1, startPeriodMs: 0 };
    const unready = { ...v2, probes: { readiness, onLivenessFailure: 'restart' as const } };
    const h = await runningV1(v1, unready);
    await h.answer('saveUpdate');
    await h.answer('pullImage', { ref: v2.image.ref, begunAt: 0, at: 0 });
    await h.answer('stopContainer');
    await h.answer('snapshotData', SNAPSHOT);
    await h.answer('removeContainer');
    await h.answer('saveUpdate');
    await h.bringsUp(unready);
    expect(h.state()).toContain('"judging":"unproven"');
    await h.advance(599_000);
    expect(h.state()).toContain('running');
    await h.advance(1_000);
    expect(h.state()).toContain('rollingBack');
    expect(h.record()?.reason).toBe('the new version was not ready for 1 min within 10 min');
    const begun = (await h.answer('saveUpdate')) as { record: UpdateRecord };
    expect(begun.record.reason).toBe('the new version was not ready for 1 min within 10 min');
  });

  it('takes a manifest that comes during the trial only once the trial ended', async () => {
    const h = await onTrial();
    h.send({ type: 'UPDATE_SPEC', spec: versionSpec(3) });
    expect(h.context().stashedSpec?.version).toBe('0.3.0');
    expect(h.record()?.to.version).toBe('0.2.0');
    await h.advance(60_000);
    await h.answer('saveUpdate');
    // Verified, then the stashed version is the next update.
    expect(h.state()).toContain('updating');
    expect(h.record()?.to.version).toBe('0.3.0');
  });

  it('does not run a rolled-back version again until the owner asks', async () => {
    const h = await onTrial();
    await h.observe(container(v2, 'exited'));
    await h.answer('saveUpdate');
    await h.answer('removeContainer');
    await h.answer('restoreData');
    await h.answer('saveUpdate');
    await h.answer('pullImage', { ref: v1.image.ref, begunAt: 0, at: 0 });
    await h.bringsUp(v1);
    h.send({ type: 'UPDATE_SPEC', spec: v2 });
    expect(h.state()).toContain('running');
    expect(h.context().spec.specHash).toBe(v1.specHash);
    h.send({ type: 'UPDATE_SPEC', spec: v2, retry: true });
    expect(h.state()).toContain('updating');
  });

  it('abandons an update whose image cannot be fetched: the old version keeps running, untouched', async () => {
    const h = await runningV1();
    await h.answer('saveUpdate');
    await h.fail('pullImage', 'registry unreachable');
    expect(h.state()).toContain('rollingBack');
    const begun = (await h.answer('saveUpdate')) as { record: UpdateRecord };
    expect(begun.record).toMatchObject({ phase: 'rolling-back', touched: false });
    const ended = (await h.answer('saveUpdate')) as { record: UpdateRecord };
    expect(ended.record).toMatchObject({ result: 'abandoned', touched: false });
    expect(ended.record.reason).toContain('fetching the new image failed: registry unreachable');
    expect(h.state()).toContain('running');
    expect(h.context().container?.id).toBe(`ctr-${v1.specHash}`);
  });

  it('does not go on without the snapshot it promised: the old version is started again', async () => {
    const h = await runningV1();
    await h.answer('saveUpdate');
    await h.answer('pullImage', { ref: v2.image.ref, begunAt: 0, at: 0 });
    await h.answer('stopContainer');
    await h.fail('snapshotData', 'not enough space for the snapshot');
    await h.answer('saveUpdate');
    await h.answer('saveUpdate');
    // The old container is kept (it is v1's): started again, no data restored.
    expect(h.current()).toBe('renderFiles');
    expect(h.context().lastUpdate).toMatchObject({ result: 'abandoned' });
  });

  it('resumes an update found in flight at boot as a rollback', async () => {
    const record = inFlight({ phase: 'trial' });
    const h = updateHarness({ spec: v2, observation: container(v2, 'running'), update: record });
    stop = h.stop;
    expect(h.state()).toContain('rollingBack');
    const begun = (await h.answer('saveUpdate')) as { record: UpdateRecord };
    expect(begun.record).toMatchObject({ phase: 'rolling-back', touched: true });
    await h.answer('removeContainer');
    await h.answer('restoreData');
    const ended = (await h.answer('saveUpdate')) as { record: UpdateRecord };
    expect(ended.record.reason).toContain('podwarden stopped during the update');
    expect(h.context().spec.specHash).toBe(v1.specHash);
  });

  it('rolls back by the owner after a verified update, restoring the snapshot taken before it', async () => {
    const h = await onTrial();
    await h.advance(60_000);
    await h.answer('saveUpdate');
    h.send({ type: 'ROLLBACK' });
    expect(h.state()).toContain('rollingBack');
    // On record as under way (no result): a crash now is not mistaken for the verified update.
    const begun = (await h.answer('saveUpdate')) as { record: UpdateRecord };
    expect(begun.record).toMatchObject({
      phase: 'rolling-back',
      reason: 'rolled back by the owner from 0.1.0 → 0.2.0',
    });
    expect(begun.record.result).toBeUndefined();
    await h.answer('removeContainer');
    await h.answer('restoreData');
    const ended = (await h.answer('saveUpdate')) as { record: UpdateRecord };
    expect(ended.record).toMatchObject({
      result: 'rolled-back',
      reason: 'rolled back by the owner from 0.1.0 → 0.2.0',
    });
  });
});

// The record is saved at every turn a crash must not blur: the hand-over to the new version and
// the start of a rollback (docs/updates.md, "Crash-safe").
describe('the record at the hand-over and at the start of a rollback', () => {
  it('an app without a snapshot found on trial at boot is rolled back, not abandoned', async () => {
    const noSnapshot = versionSpec(2, { snapshot: false });
    const h = await runningV1(v1, noSnapshot);
    await h.answer('saveUpdate');
    await h.answer('pullImage', { ref: v2.image.ref, begunAt: 0, at: 0 });
    await h.answer('stopContainer');
    await h.answer('removeContainer');
    const handedOver = (await h.answer('saveUpdate')) as { record: UpdateRecord };
    expect(handedOver.record).toMatchObject({ phase: 'trial', touched: true });
    expect(handedOver.record.snapshot).toBeUndefined();
    h.stop();

    // What a podwarden killed now finds at boot: rolled back, the reason saying why.
    const booted = updateHarness({
      spec: noSnapshot,
      observation: container(noSnapshot, 'running'),
      update: handedOver.record,
    });
    stop = booted.stop;
    expect(booted.state()).toContain('rollingBack');
    await booted.answer('saveUpdate');
    await booted.answer('removeContainer');
    const ended = (await booted.answer('saveUpdate')) as { record: UpdateRecord };
    expect(ended.record.result).toBe('rolled-back');
    expect(ended.record.reason).toContain('podwarden stopped during the update');
    expect(booted.context().spec.specHash).toBe(v1.specHash);
  });

  it('a rollback found at boot keeps the reason it was started for', async () => {
    const record = inFlight({
      phase: 'rolling-back',
      reason: 'the new version failed during its trial: exited with code 1',
    });
    const h = updateHarness({ spec: v2, observation: container(v2, 'exited'), update: record });
    stop = h.stop;
    await h.answer('saveUpdate');
    await h.answer('removeContainer');
    await h.answer('restoreData');
    const ended = (await h.answer('saveUpdate')) as { record: UpdateRecord };
    expect(ended.record).toMatchObject({ result: 'rolled-back', restored: true, reason: record.reason });
  });

  it('a hand-over that cannot be recorded abandons the update: nothing new ran, the old version is made again', async () => {
    const h = await runningV1();
    await h.answer('saveUpdate');
    await h.answer('pullImage', { ref: v2.image.ref, begunAt: 0, at: 0 });
    await h.answer('stopContainer');
    await h.answer('snapshotData', SNAPSHOT);
    await h.answer('removeContainer');
    await h.fail('saveUpdate', 'disk full');
    expect(h.state()).toContain('rollingBack');
    await h.answer('saveUpdate');
    // No restore: the new version never ran on the data.
    const ended = (await h.answer('saveUpdate')) as { record: UpdateRecord };
    expect(ended.record).toMatchObject({ result: 'abandoned', touched: false });
    expect(ended.record.reason).toContain('saving the update record failed: disk full');
    expect(h.context().spec.specHash).toBe(v1.specHash);
    await h.answer('pullImage', { ref: v1.image.ref, begunAt: 0, at: 0 });
    await h.bringsUp(v1);
    expect(h.state()).toContain('running');
  });

  it('a rollback whose start cannot be recorded goes on all the same', async () => {
    const h = await onTrial();
    await h.observe(container(v2, 'exited'));
    await h.fail('saveUpdate', 'disk full');
    await h.answer('removeContainer');
    await h.answer('restoreData');
    const ended = (await h.answer('saveUpdate')) as { record: UpdateRecord };
    expect(ended.record).toMatchObject({ result: 'rolled-back', restored: true });
  });
});

// Found by the model walks of the update world (test/model/app-world.ts): a manifest that came
// during an update outside `updating`, `rollingBack` and the trial's run was taken at once.
describe('a manifest that comes during an update waits for its end', () => {
  it('while the new version is being started: stashed, the trial goes on, then the stashed version is the next update', async () => {
    const h = await runningV1();
    await h.answer('saveUpdate');
    await h.answer('pullImage', { ref: v2.image.ref, begunAt: 0, at: 0 });
    await h.answer('stopContainer');
    await h.answer('snapshotData', SNAPSHOT);
    await h.answer('removeContainer');
    await h.answer('saveUpdate');
    expect(h.current()).toBe('createContainer');
    h.send({ type: 'UPDATE_SPEC', spec: versionSpec(3) });
    expect(h.context().spec.specHash).toBe(v2.specHash);
    expect(h.context().stashedSpec?.version).toBe('0.3.0');
    await h.bringsUp(v2);
    expect(h.state()).toContain('"trial":{"judging":"proving"}');
    await h.advance(60_000);
    await h.answer('saveUpdate');
    expect(h.record()?.to.version).toBe('0.3.0');
  });

  it('while a rollback backs off: the old version comes back first, the stashed one is offered after', async () => {
    const h = await onTrial();
    await h.observe(container(v2, 'exited'));
    await h.answer('saveUpdate');
    await h.fail('removeContainer', 'engine busy');
    expect(h.state()).toBe('"backoff"');
    h.send({ type: 'UPDATE_SPEC', spec: versionSpec(3) });
    expect(h.state()).toBe('"backoff"');
    expect(h.context().stashedSpec?.version).toBe('0.3.0');
    await h.advance(1_000);
    await h.answer('saveUpdate');
    await h.answer('removeContainer');
    await h.answer('restoreData');
    await h.answer('saveUpdate');
    expect(h.context().spec.specHash).toBe(v1.specHash);
    await h.answer('pullImage', { ref: v1.image.ref, begunAt: 0, at: 0 });
    await h.bringsUp(v1);
    // Running v1 again, the stashed v3 is offered like any new version: an update.
    expect(h.state()).toContain('updating');
    expect(h.record()).toMatchObject({ from: { version: '0.1.0' }, to: { version: '0.3.0' } });
  });

  it('when the verdict could not be saved: the version is believed, and the stashed one is still taken', async () => {
    const h = await onTrial();
    h.send({ type: 'UPDATE_SPEC', spec: versionSpec(3) });
    await h.advance(60_000);
    await h.fail('saveUpdate', 'disk full');
    expect(h.context().lastUpdate?.result).toBe('updated');
    expect(h.state()).toContain('updating');
    expect(h.record()?.to.version).toBe('0.3.0');
  });
});
