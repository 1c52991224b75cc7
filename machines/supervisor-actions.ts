import { assign, enqueueActions } from 'xstate';
import { transitionOf, type AnnouncingContext } from './announce.js';
import { companionDesired, isAppReady, isCompanionKey, ownerOfKey } from './binding.js';
import { orphanSpec } from './orphan.js';
import { declaredChildren, declaredCompanion, holdOf, isClaimed, sameHold } from './supervisor-binding.js';
import {
  byChild,
  childId,
  childKeyOf,
  companionKeysOf,
  finishedReport,
  type Snapshot,
  type SupervisorEvent,
} from './supervisor-context.js';
import { supervisorSetup } from './supervisor-setup.js';
import type { ContainerEvent, ContainerObservation } from '../src/domain/container-observation.js';
import type { AppCommand, PassEntry, PassReport } from './types.js';
import { quietEntry } from './quiet-pass.js';

/**
 * Events that may tell of trouble, and so are worth a look at once. A `create`, `start`,
 * `restart` or `unpause` only says the container runs: podwarden's own starts are confirmed by
 * a look anyway, a start by someone else of an app the owner stopped is met by the next pass,
 * and a look for a `start` that podman reports late could see the container dead before the
 * `kill` that ended it is reported (and count someone's kill as the app's own exit).
 */
const NEWS_ACTIONS: ReadonlySet<ContainerEvent['action']> = new Set([
  'die',
  'kill',
  'stop',
  'remove',
  'pause',
  'health',
  'oom',
]);

/** Each child's container in a pass's list, worked out once for the pass's three actions. */
const seenBySnapshot = new WeakMap<Snapshot, Map<string, ContainerObservation>>();
function seenIn(snapshot: Snapshot): Map<string, ContainerObservation> {
  let seen = seenBySnapshot.get(snapshot);
  if (!seen) seenBySnapshot.set(snapshot, (seen = byChild(snapshot.containers)));
  return seen;
}

/** The engine snapshot a pass's list call answered with. */
function snapshotOf(event: SupervisorEvent): Snapshot {
  if (event.type !== 'ENGINE.LISTED') throw new Error(`a pass began on ${event.type}, not on its list`);
  return event.snapshot;
}

/**
 * The supervisor machine's actions: how it keeps one child machine per app, companion and
 * orphan (spawning them, passing commands on, binding them to what they wait for, looking at
 * a container when the engine reports on it and routing the look to its machine, relaying
 * their state changes, forgetting them when they finish), and how a reconcile pass runs (the
 * observation sent to every child it tells something new, their answers collected, the report
 * emitted).
 */
export const supervisorBehaviour = supervisorSetup.extend({
  actions: {
    releaseGate: assign({ embedderReleased: true }),
    /** A child's state change, passed on to the supervisor's listeners (transitions$ in src/), with what its context says now. */
    relayTransition: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'APP.STATE_CHANGED') return;
      const ref = context.refs[event.appId];
      if (!ref) return;
      const child = (ref.getSnapshot() as { context: AnnouncingContext }).context;
      enqueue.emit({ type: 'transition', transition: transitionOf(child, event, context.now()) });
    }),
    rememberApp: assign(({ context, event }) => {
      if (event.type === 'INSTALL') {
        const { [event.appId]: _managedNow, ...refused } = context.refused;
        return { apps: { ...context.apps, [event.appId]: event.app }, refused };
      }
      if (event.type === 'SET_DESIRED' && context.apps[event.appId]) {
        return { apps: { ...context.apps, [event.appId]: { ...context.apps[event.appId]!, desired: event.desired } } };
      }
      if (event.type === 'UNINSTALL') {
        const { [event.appId]: _removed, ...apps } = context.apps;
        const { [event.appId]: _released, ...refused } = context.refused;
        return { apps, refused };
      }
      return {};
    }),
    /**
     * Spawn a machine for every declared app that has none. At the gate they get what recovery
     * saw of their container (so fine ones are adopted as they are); later installs get nothing
     * and wait for the pass their install requests, which sees the engine as it is now.
     */
    spawnDeclared: assign(({ context, spawn }) => {
      const seen = context.adopted ? byChild(context.adopted.containers) : undefined;
      const refs = { ...context.refs };
      const holding = { ...context.holding };
      // Apps come before their companions, so an app's machine exists when its companions ask for it.
      for (const child of declaredChildren(context.apps)) {
        if (refs[child.key]) continue;
        const waitingFor = holdOf(context, child.key) ?? [];
        holding[child.key] = waitingFor;
        const input = {
          spec: child.spec,
          desired: child.desired,
          observation: seen ? (seen.get(child.key) ?? null) : undefined,
          backoff: context.backoff,
          waitingFor,
          ...(child.update ? { update: child.update } : {}),
        };
        refs[child.key] =
          isCompanionKey(child.key) && context.companionBackend === 'systemd'
            ? spawn('companionUnit', { id: childId(child.key), input })
            : spawn('app', { id: childId(child.key), input });
      }
      return { refs, holding, adopted: undefined };
    }),
    /** An INSTALL, UNINSTALL or SET_DESIRED while supervising reaches the app's machine now. */
    applyToChild: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'INSTALL' && event.type !== 'UNINSTALL' && event.type !== 'SET_DESIRED') return;
      const send = (key: string, command: AppCommand) => {
        const ref = context.refs[key];
        if (ref) enqueue.sendTo(ref, command);
      };
      const companions = companionKeysOf(context.refs, event.appId);
      if (event.type === 'INSTALL') {
        send(event.appId, { type: 'UPDATE_SPEC', spec: event.app.spec, ...(event.retry ? { retry: true } : {}) });
        send(event.appId, { type: 'SET_DESIRED', desired: event.app.desired });
        for (const key of companions) {
          // rememberApp ran first: context.apps holds the new manifest.
          const spec = declaredCompanion(context.apps, key);
          if (spec) send(key, { type: 'UPDATE_SPEC', spec });
          send(key, { type: 'SET_DESIRED', desired: spec ? companionDesired(event.app.desired) : 'absent' });
        }
      } else if (event.type === 'SET_DESIRED') {
        send(event.appId, { type: 'SET_DESIRED', desired: event.desired });
        for (const key of companions) send(key, { type: 'SET_DESIRED', desired: companionDesired(event.desired) });
      } else if (companions.length > 0) {
        // Companions go first; the app's container is removed when the last of them finished
        // (releaseAppRemoval), or a supervisor such as systemd could respawn them without it.
        for (const key of companions) send(key, { type: 'SET_DESIRED', desired: 'absent' });
      } else {
        send(event.appId, { type: 'SET_DESIRED', desired: 'absent' });
      }
    }),
    /** An uninstalled app whose companions are all gone now has its own container removed. */
    releaseAppRemoval: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'APP.FINISHED' || !isCompanionKey(event.appId)) return;
      const owner = ownerOfKey(event.appId);
      const ref = context.refs[owner];
      if (!ref || context.apps[owner] || companionKeysOf(context.refs, owner).length > 0) return;
      enqueue.sendTo(ref, { type: 'SET_DESIRED', desired: 'absent' });
    }),
    noteReadiness: assign(({ context, event }) => {
      if (event.type !== 'APP.READINESS') return {};
      const ref = context.refs[event.appId];
      if (!ref) return {};
      return { ready: { ...context.ready, [event.appId]: isAppReady(ref.getSnapshot()) } };
    }),
    /** Tells every bound child what holds it now, when that changed (binding.ts). */
    applyBindings: enqueueActions(({ context, enqueue }) => {
      let holding = context.holding;
      for (const [key, ref] of Object.entries(context.refs)) {
        const hold = holdOf(context, key);
        if (hold === undefined || sameHold(hold, holding[key])) continue;
        holding = { ...holding, [key]: hold };
        enqueue.sendTo(ref, { type: 'DEPENDENCIES', waitingFor: hold });
      }
      if (holding !== context.holding) enqueue.assign({ holding });
    }),
    /**
     * An engine event is a hint: the container it names is looked at again at once (the looks
     * actor), and the look reaches the one machine it concerns, without waiting for a pass.
     */
    lookAfterEvent: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'ENGINE.CONTAINER' || !NEWS_ACTIONS.has(event.event.action)) return;
      const key = childKeyOf(event.event.labels);
      if (!key || !context.refs[key]) return;
      enqueue.sendTo('looks', { type: 'LOOK', key, containerId: event.event.containerId, events: [event.event] });
    }),
    /** The owner's restart or rollback reaches the app's machine. */
    forwardToChild: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'RESTART' && event.type !== 'ROLLBACK') return;
      const ref = context.refs[event.appId];
      if (ref) enqueue.sendTo(ref, { type: event.type });
    }),
    /** A child asked for a look at its container. */
    lookForChild: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'APP.LOOK_AGAIN' || !context.refs[event.appId]) return;
      enqueue.sendTo('looks', {
        type: 'LOOK',
        key: event.appId,
        containerId: event.containerId,
        events: [],
        after: event.after,
      });
    }),
    routeLook: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'ENGINE.LOOKED') return;
      const ref = context.refs[event.key];
      if (ref) enqueue.sendTo(ref, event.look);
    }),
    /** Owned containers that no declared app claims get a machine that removes them. */
    spawnOrphans: assign(({ context, event, spawn }) => {
      let refs = context.refs;
      for (const [key, container] of seenIn(snapshotOf(event))) {
        if (refs[key] || isClaimed(context, key)) continue;
        // Copied only when an orphan is found: a pass over 1 000 apps finds none.
        if (refs === context.refs) refs = { ...context.refs };
        refs[key] = spawn('app', {
          id: childId(key),
          input: {
            spec: orphanSpec(container, key),
            desired: 'absent',
            observation: container,
            backoff: context.backoff,
          },
        });
      }
      return { refs };
    }),
    /** A pass begins: children the list shows nothing new are answered for at once (quiet-pass.ts). */
    beginPass: assign(({ context, event }) => {
      const snapshot = snapshotOf(event);
      const seen = seenIn(snapshot);
      const id = context.passSeq + 1;
      const pending: string[] = [];
      const entries: PassEntry[] = [];
      for (const key in context.refs) {
        const quiet = quietEntry(context.refs[key]!, seen.get(key) ?? null);
        if (quiet) entries.push(quiet);
        else pending.push(key);
      }
      return {
        passSeq: id,
        pass: { id, startedAt: snapshot.observedAt, observed: snapshot.containers.length, pending, entries },
      };
    }),
    sendObservations: enqueueActions(({ context, event, enqueue }) => {
      const snapshot = snapshotOf(event);
      const seen = seenIn(snapshot);
      for (const appId of context.pass?.pending ?? []) {
        const ref = context.refs[appId];
        if (!ref) continue;
        enqueue.sendTo(ref, {
          type: 'OBSERVED',
          passId: context.passSeq,
          observedAt: snapshot.observedAt,
          container: seen.get(appId) ?? null,
        });
      }
    }),
    recordEntry: assign(({ context, event }) => {
      if (event.type !== 'APP.PASS_ENTRY' || !context.pass || event.passId !== context.pass.id) return {};
      const { pass } = context;
      const index = pass.pending.indexOf(event.entry.appId);
      if (index < 0) return {};
      // The pass under way belongs to this actor alone, so answers are recorded in place:
      // copying it for each of n answers made a quiet pass over 1 000 apps cost O(n²).
      pass.pending.splice(index, 1);
      pass.entries.push(event.entry);
      return { pass };
    }),
    finishPass: enqueueActions(({ context, enqueue }) => {
      if (!context.pass) return;
      const report = finishedReport(context.pass, context.now());
      if (context.pass.pending.length > 0) {
        report.error = `no answer from ${context.pass.pending.join(', ')}`;
      }
      enqueue.emit({ type: 'pass', report });
      enqueue.assign({ pass: undefined });
    }),
    reportFailedPass: enqueueActions(({ context, event, enqueue }) => {
      const error = event.type === 'ENGINE.LIST_FAILED' ? event.error : undefined;
      const now = context.now();
      const report: PassReport = {
        passId: context.passSeq + 1,
        startedAt: now,
        finishedAt: now,
        observed: 0,
        entries: [],
        error: `engine could not be observed: ${error instanceof Error ? error.message : String(error)}`,
      };
      enqueue.assign({ passSeq: context.passSeq + 1 });
      enqueue.emit({ type: 'pass', report });
    }),
    queuePass: assign({ passQueued: true }),
    /** A request that arrives while a pass lists the engine stays queued: that list may predate it. */
    clearQueuedPass: assign({ passQueued: false }),
    announceReconnect: enqueueActions(({ event, enqueue }) => {
      if (event.type === 'ENGINE.CONNECTED' && event.reconnect) enqueue.emit({ type: 'engineReconnected' });
    }),
    forgetChild: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'APP.FINISHED') return;
      const ref = context.refs[event.appId];
      if (!ref) return;
      const { [event.appId]: _gone, ...refs } = context.refs;
      const { [event.appId]: _readiness, ...ready } = context.ready;
      const { [event.appId]: _hold, ...holding } = context.holding;
      const pass = context.pass
        ? { ...context.pass, pending: context.pass.pending.filter((appId) => appId !== event.appId) }
        : undefined;
      enqueue.stopChild(ref);
      enqueue.assign({ refs, ready, holding, pass });
      if (!context.apps[event.appId] && !isCompanionKey(event.appId))
        enqueue.emit({ type: 'appRemoved', appId: event.appId });
    }),
    shutdownChildren: enqueueActions(({ context, enqueue }) => {
      for (const ref of Object.values(context.refs)) enqueue.sendTo(ref, { type: 'SHUTDOWN' });
    }),
  },
});
