import { assign, not } from 'xstate';
import { appBehaviour } from './app-actions.js';
import { probeInput } from './app-probes.js';
import { containerStepInput } from './app-steps.js';
import { stepCause } from './step-cause.js';
import { OWNER_ROLLBACK } from './app-updating.js';
import { endedUpdate } from './app-update-actions.js';

/**
 * The app machine's `running` state (app.machine.ts), in a file of its own: three regions side
 * by side while the container runs (how long it has been up, whether its rendered files still
 * say what it was started with, podwarden's probes of the service inside), and what an engine
 * look or a pass observation does to a running app.
 */
export const runningState = appBehaviour.createStateConfig({
  type: 'parallel',
  entry: [{ type: 'announce', params: { state: 'running' } }, 'freshRun', 'announceReadiness', 'takeStashedSpec'],
  exit: 'announceReadiness',
  states: {
    /**
     * A new version's trial (update.ts): it counts as good once ready for `minHealthy` without a
     * break, before `deadline`; a crash, a probe that gives up or a failed step rolls it back
     * (app.machine.ts), and so does the deadline.
     */
    trial: {
      initial: 'entering',
      states: {
        /** A new run of the container: on trial when an update brought it. */
        entering: { always: [{ guard: 'onTrial', target: 'judging' }, { target: 'none' }] },
        /** No update on trial. */
        none: {},
        /** The new version must prove itself before the deadline (its clock runs while here). */
        judging: {
          initial: 'unproven',
          after: { updateDeadline: { target: '#app.rollingBack', actions: 'judgeDeadline' } },
          states: {
            /** Not ready (yet, or again): the clock of `minHealthy` is not running. */
            unproven: { always: { guard: 'isReady', target: 'proving' } },
            /** Ready: once it stays so for `minHealthy`, the version is good. */
            proving: {
              always: { guard: not('isReady'), target: 'unproven' },
              after: { minHealthy: { target: '#app.running.trial.committing' } },
            },
          },
        },
        /** Proven: the record says so before the machine believes it. */
        committing: {
          invoke: {
            src: 'saveUpdate',
            input: ({ context }) => ({ record: endedUpdate(context.update!) }),
            onDone: {
              target: 'none',
              actions: [
                { type: 'finishUpdate', params: ({ event }) => ({ outcome: event.output }) },
                'takeStashedSpec',
              ],
            },
            // Believed all the same: the version runs and proved itself; a podwarden restarted
            // before the record is saved again would roll it back, which is the safe side.
            onError: { target: 'none', actions: 'commitUnsaved' },
          },
        },
      },
    },
    /** How long the container has been up, for the crash count. */
    uptime: {
      initial: 'settling',
      states: {
        /** Up, but not long enough to forget earlier crashes. */
        settling: {
          after: { stablePeriod: { target: 'stable', actions: 'resetFailures' } },
        },
        /** Up long enough: the crash count is back to zero. */
        stable: {},
      },
    },
    /** Whether the rendered files still say what the container was started with. */
    config: {
      initial: 'idle',
      states: {
        /** Rendered at start (or at the last pass); a quiet pass renders again. */
        idle: {
          on: { 'RENDER.CHECK': { target: 'rerendering' } },
        },
        /** Rendering again (a rotated secret reaches the config without a human); unchanged files are not written. */
        rerendering: {
          invoke: {
            src: 'renderFiles',
            input: ({ context, event }) => ({ spec: context.spec, cause: stepCause(context, event) }),
            onDone: [
              {
                guard: { type: 'filesChanged', params: ({ event }) => ({ output: event.output }) },
                target: '#app.restarting',
                actions: assign({ reason: 'a rendered file changed; restarting so the app reads it' }),
              },
              { target: 'idle' },
            ],
            // The old files stay as they were; the container keeps running with them.
            onError: {
              target: '#app.backoff',
              actions: {
                type: 'countStepFailure',
                params: ({ event }) => ({ step: 'render', error: event.error }),
              },
            },
          },
        },
      },
    },
    /**
     * podwarden's own checks of the service inside: startup first, then liveness and
     * readiness. Only declared probes get an actor; an undeclared one passes at once.
     */
    probes: {
      initial: 'entering',
      states: {
        /** Where the checks begin: with the startup probe when there is one. */
        entering: {
          always: [
            { guard: { type: 'declares', params: { role: 'startup' } }, target: 'startingUp' },
            { target: 'watching' },
          ],
        },
        /** The startup probe has not passed yet: liveness and readiness wait; failures within its start period do not count. */
        startingUp: {
          invoke: { src: 'runProbe', input: probeInput('startup') },
          on: {
            PROBE_RESULT: [
              { guard: 'startupPasses', target: 'watching', actions: 'recordProbe' },
              { guard: 'startupGivesUp', target: '#app.crashed', actions: 'countProbeFailure' },
              { guard: { type: 'resultOf', params: { role: 'startup' } }, actions: 'recordProbe' },
            ],
          },
        },
        /** Started up: liveness and readiness probes run side by side. */
        watching: {
          type: 'parallel',
          states: {
            /** Failing failureThreshold times in a row condemns the container (one slow probe never does). */
            liveness: {
              initial: 'entering',
              states: {
                /** The declared probe, else the container's own health check (read once per container). */
                entering: {
                  always: [
                    { guard: { type: 'declares', params: { role: 'liveness' } }, target: 'probing' },
                    { guard: 'imageHealthcheckUnread', target: 'readingImageCheck' },
                    { target: 'unprobed' },
                  ],
                },
                /** Reading the container's health check (its image's HEALTHCHECK), which podman itself never runs here. */
                readingImageCheck: {
                  invoke: {
                    src: 'readImageHealthcheck',
                    input: containerStepInput,
                    onDone: {
                      target: 'entering',
                      actions: { type: 'learnImageProbe', params: ({ event }) => ({ outcome: event.output }) },
                    },
                    // Unread, so the next run of the container tries again; this one goes unprobed.
                    onError: { target: 'unprobed' },
                  },
                },
                probing: {
                  invoke: { src: 'runProbe', input: probeInput('liveness') },
                  on: {
                    PROBE_RESULT: [
                      { guard: 'livenessGivesUp', target: '#app.crashed', actions: 'countProbeFailure' },
                      { guard: { type: 'resultOf', params: { role: 'liveness' } }, actions: 'recordProbe' },
                    ],
                  },
                },
                /** No liveness probe: a running container counts as alive. */
                unprobed: {},
              },
            },
            /** Whether the app serves: failing only makes it not ready; nothing is restarted. */
            readiness: {
              initial: 'entering',
              states: {
                entering: {
                  always: [
                    { guard: { type: 'declares', params: { role: 'readiness' } }, target: 'probing' },
                    { target: 'unprobed' },
                  ],
                },
                probing: {
                  initial: 'unready',
                  invoke: { src: 'runProbe', input: probeInput('readiness') },
                  states: {
                    /** Not serving yet, or stopped serving: dependents wait. */
                    unready: {
                      on: {
                        PROBE_RESULT: [
                          { guard: 'readinessPasses', target: 'ready', actions: 'recordProbe' },
                          { guard: { type: 'resultOf', params: { role: 'readiness' } }, actions: 'recordProbe' },
                        ],
                      },
                    },
                    /** Serving: `ready` is true, and dependents and companions may go on. */
                    ready: {
                      entry: ['markReady', 'announceReadiness'],
                      exit: ['markUnready', 'announceReadiness'],
                      on: {
                        PROBE_RESULT: [
                          { guard: 'readinessGivesUp', target: 'unready', actions: 'recordProbe' },
                          { guard: { type: 'resultOf', params: { role: 'readiness' } }, actions: 'recordProbe' },
                        ],
                      },
                    },
                  },
                },
                /** No readiness probe: running means ready. */
                unprobed: {
                  entry: ['markReady', 'announceReadiness'],
                  exit: ['markUnready', 'announceReadiness'],
                },
              },
            },
          },
        },
      },
    },
  },
  on: {
    RESTART: { target: 'restarting', actions: 'explainRestart' },
    ROLLBACK: OWNER_ROLLBACK,
    // Never two updates at once: a manifest that comes during a trial waits for its verdict.
    UPDATE_SPEC: [
      { guard: 'onTrial', actions: 'stashSpec' },
      { guard: 'startsUpdate', target: 'updating', actions: 'beginUpdate' },
    ],
    // A look after engine events: the pass's handling, without a pass to answer or files to render.
    LOOKED: [
      { guard: 'observationMeansFailure', target: 'crashed', actions: ['observe', 'countFailure'] },
      { guard: 'observationNeedsAction', target: 'deciding', actions: 'observe' },
      { guard: 'freshObservation', actions: 'observe' },
      { guard: 'staleOwnLook', actions: ['noteOutsideKill', 'lookAgain'] },
    ],
    OBSERVED: [
      { guard: 'observationMeansFailure', target: 'crashed', actions: ['observe', 'reportPass', 'countFailure'] },
      { guard: 'observationNeedsAction', target: 'deciding', actions: ['observe', 'reportPass'] },
      { guard: 'freshObservation', actions: ['observe', 'reportPass', 'checkRender'] },
      { actions: 'reportPass' },
    ],
  },
});
