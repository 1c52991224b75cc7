import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { appMachine } from '../../machines/app.machine.js';
import { isProbeFailure } from '../../machines/failure.js';
import { unreadableCount } from '../journal/journal-file.js';
import type { Orchestrator } from '../orchestrator.js';
import type { Transition } from '../streams/transitions.js';

/** prom-client's gauges named like counters (see createMetrics). */
export const MISNAMED_DEFAULT_GAUGES = [
  'podwarden_nodejs_active_resources_total',
  'podwarden_nodejs_active_handles_total',
  'podwarden_nodejs_active_requests_total',
];

/** Engine event lag, in seconds: from the usual quarter second to minutes. */
export const EVENT_LAG_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** The app states a person can see, straight from the machine (new states appear by themselves). */
const APP_STATES = [...Object.keys(appMachine.config.states ?? {}), 'manifest-error'];

/**
 * Whether a state change was caused by a failed probe or health check: the machine answering
 * the failure (backing off, or giving up) with a probe's verdict as its typed reason
 * (failure.ts `isProbeFailure`), whatever the reason's words say.
 */
/**
 * Whose series a row or transition counts in: an app's, or one companion's of it
 * (`companion="ui"`); a companion's crash is never counted as its app's.
 */
function who(subject: { appId: string; companion?: string }): { app: string; companion?: string } {
  return subject.companion === undefined
    ? { app: subject.appId }
    : { app: subject.appId, companion: subject.companion };
}

export function causedByProbe(transition: Transition): boolean {
  return (transition.to === 'backoff' || transition.to === 'failed') && isProbeFailure(transition.failureReason);
}

export interface PodwardenMetrics {
  registry: Registry;
  /** Stops feeding the registry (the orchestrator's streams complete on stop anyway). */
  close(): void;
}

/** A prom-client registry fed by the orchestrator's streams and read from its status on scrape. */
export function createMetrics(orchestrator: Orchestrator): PodwardenMetrics {
  const registry = new Registry();
  // The event-loop lag histogram samples with a timer that wakes the daemon at every tick:
  // prom-client's default 10 ms cost an idle daemon ~0.5 % of a core, 100 ms still ~0.09 %.
  // Once a second still records every stall that matters to a supervisor: a blocked loop
  // delays the tick under way by as long as it blocks.
  // The prefix is podwarden's own, once: prom-client's names already say `process_` or `nodejs_`.
  collectDefaultMetrics({ register: registry, prefix: 'podwarden_', eventLoopMonitoringPrecision: 1_000 });
  // prom-client names three gauges like counters (`…_total`); each repeats the sum of the gauge
  // of the same name by type (`podwarden_nodejs_active_handles{type}`), so they go.
  for (const name of MISNAMED_DEFAULT_GAUGES) registry.removeSingleMetric(name);

  new Gauge({
    name: 'podwarden_app_state',
    help: 'The state each app machine is in: 1 for the current state, 0 for the others',
    labelNames: ['app', 'companion', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const row of orchestrator.status()) {
        const states = APP_STATES.includes(row.state) ? APP_STATES : [...APP_STATES, row.state];
        for (const state of states) this.set({ ...who(row), state }, state === row.state ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'podwarden_app_ready',
    help: 'Whether the app serves, per its probes (only apps whose machine reports readiness)',
    labelNames: ['app', 'companion'],
    registers: [registry],
    collect() {
      this.reset();
      for (const row of orchestrator.status()) if (row.ready !== undefined) this.set(who(row), row.ready ? 1 : 0);
    },
  });
  const restarts = new Counter({
    name: 'podwarden_app_restarts_total',
    help: 'Failures podwarden answered with a retry (crash, exit, lost process, unhealthy, failed step): entries into backoff',
    labelNames: ['app', 'companion'],
    registers: [registry],
  });
  const failures = new Counter({
    name: 'podwarden_app_failures_total',
    help: "Failures podwarden answered with a retry, by kind (exited, killed-outside, bad-config, oom-killed, probe-failing, a step's error, ...)",
    labelNames: ['app', 'companion', 'kind'],
    registers: [registry],
  });
  const probeFailures = new Counter({
    name: 'podwarden_app_probe_failures_total',
    help: 'State changes caused by a failed probe or health check',
    labelNames: ['app', 'companion'],
    registers: [registry],
  });
  const transitions = new Counter({
    name: 'podwarden_app_transitions_total',
    help: 'State changes of app machines, by the state entered',
    labelNames: ['app', 'companion', 'to'],
    registers: [registry],
  });
  const passDuration = new Histogram({
    name: 'podwarden_pass_duration_seconds',
    help: 'Reconcile pass duration: list call to the last app answer',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const passErrors = new Counter({
    name: 'podwarden_pass_errors_total',
    help: 'Passes that could not observe the engine or missed app answers',
    registers: [registry],
  });
  const engineCalls = new Counter({
    name: 'podwarden_engine_calls_total',
    help: 'Engine API calls by method and outcome (ok, or the error code)',
    labelNames: ['call', 'outcome'],
    registers: [registry],
  });
  const eventLag = new Histogram({
    name: 'podwarden_engine_event_lag_seconds',
    help: 'From the engine stamping a container event to podwarden routing it to the app machine',
    // Usually ~0.25 s (podman tails its events file in batches); a busy engine or a stalled
    // stream delivers events seconds to minutes late, and those are the ones worth seeing.
    buckets: EVENT_LAG_BUCKETS,
    registers: [registry],
  });
  new Gauge({
    name: 'podwarden_journal_unreadable_lines',
    help: 'Lines of the intent journal that could not be read (torn, garbled) at its last read: explain history may be incomplete',
    registers: [registry],
    collect() {
      this.set(unreadableCount(orchestrator.journalDamage()));
    },
  });
  new Gauge({
    name: 'podwarden_engine_work_in_flight',
    help: 'Mutating engine calls (pull, build, create, start, stop, remove) under way; bounded by --engine-concurrency',
    registers: [registry],
    collect() {
      this.set(orchestrator.engineWorkLoad().inFlight);
    },
  });
  new Gauge({
    name: 'podwarden_engine_work_queued',
    help: 'Mutating engine calls waiting for a slot (restarts of crashed apps first)',
    registers: [registry],
    collect() {
      this.set(orchestrator.engineWorkLoad().queued);
    },
  });
  const journalFailures = new Counter({
    name: 'podwarden_journal_write_failures_total',
    help: 'Intent journal records that could not be written (podwarden kept acting without them)',
    registers: [registry],
  });

  const updatesEnded = new Counter({
    name: 'podwarden_updates_total',
    help: 'Updates that ended, by app and result (updated, rolled-back, abandoned)',
    labelNames: ['app', 'result'] as const,
    registers: [registry],
  });

  const subscriptions = [
    orchestrator.transitions$.subscribe((transition) => {
      transitions.inc({ ...who(transition), to: transition.to });
      if (transition.to === 'backoff') {
        restarts.inc(who(transition));
        if (transition.failureReason) failures.inc({ ...who(transition), kind: transition.failureReason.kind });
      }
      if (causedByProbe(transition)) probeFailures.inc(who(transition));
    }),
    orchestrator.passes$.subscribe((pass) => {
      passDuration.observe(Math.max(0, pass.finishedAt - pass.startedAt) / 1000);
      if (pass.error) passErrors.inc();
    }),
    orchestrator.telemetry$.subscribe((event) => {
      if (event.kind === 'call') engineCalls.inc({ call: event.call, outcome: event.outcome });
      else if (event.kind === 'event-lag') eventLag.observe(event.lagMs / 1000);
      else if (event.kind === 'update-ended') updatesEnded.inc({ app: event.appId, result: event.result });
      else journalFailures.inc();
    }),
  ];
  return { registry, close: () => subscriptions.forEach((subscription) => subscription.unsubscribe()) };
}
