import { LABELS } from '../../src/domain/labels.js';
import { EngineError } from '../../src/domain/engine-error.js';
import {
  type ContainerEvent,
  type ContainerObservation,
  type ContainerStatus,
  type HealthStatus,
} from '../../src/domain/container-observation.js';
import { type ContainerSpec, type PortBinding } from '../../src/domain/container-spec.js';
import { SAMPLE_IMAGE_NAMES, type SampleImageName } from '../../src/engine/simulator/simulator-images.js';
import { lastValueFrom, timeout, toArray } from 'rxjs';
import type { LogLine, LogOptions } from '../../src/engine/port.js';
import { freePort } from '../support/free-port.js';
import { openEventLog, type EventLog, type World } from './world.js';

/**
 * Conformance scenarios: the same steps run against the simulator and against real podman,
 * and both must produce the same trace. The expected traces are podman's truth; when podman
 * and the simulator disagree, the simulator is wrong.
 */

/** What one observer (inspect or list) says about the scenario's subject container. */
export interface StateView {
  status: ContainerStatus;
  /** Only when exited: the exit code of the last run. */
  exitCode?: number;
  health: HealthStatus;
}

export interface TraceEntry {
  step: string;
  /** 'ok', a value the step reports ('true', 'same-id', ...), or 'error:<EngineErrorCode>'. */
  outcome: string;
  inspect: StateView | null;
  /** The subject as `list(owner labels)` reports it; null when the list does not hold it. */
  list: StateView | null;
  /** The subject's events since the previous step: 'create', 'die:137', 'health:healthy'. */
  events: string[];
}

export interface Step {
  label: string;
  /** Returns the outcome to record; nothing means 'ok'. An EngineError becomes 'error:<code>'. */
  act(ctx: ScenarioContext): Promise<string | void>;
}

export interface Scenario {
  /** Short, name-safe: it becomes part of container names. */
  key: string;
  title: string;
  steps: Step[];
  /** One entry per step. */
  expected: TraceEntry[];
}

export interface ScenarioContext {
  readonly world: World;
  /** Name of the container whose trace is recorded. */
  readonly subject: string;
  /** Another container name of this scenario. */
  other(suffix: string): string;
  /** The owner label value of containers "someone else" created. */
  readonly foreignOwner: string;
  /** A host port no other scenario uses. */
  readonly port: number;
  spec(name: string, image: SampleImageName | string, options?: SpecOptions): ContainerSpec;
  create(spec: ContainerSpec): Promise<string>;
  /** The id `create` returned for `name`. */
  id(name: string): string;
  /** A stream for the foreign owner's containers, opened on first use. */
  foreignEvents(): Promise<EventLog>;
}

export interface SpecOptions {
  owner?: string;
  ports?: PortBinding[];
  env?: Record<string, string>;
}

/** Pulls every sample image into local storage, so scenarios and barriers can create from them. */
export async function prepareWorld(world: World): Promise<void> {
  for (const name of SAMPLE_IMAGE_NAMES) {
    await world.engine.pull(world.image(name), world.pullOptions);
  }
}

// ── Building blocks ──────────────────────────────────────────────────────────────────────────

const none = { inspect: null, list: null, events: [] } as const;

function state(status: ContainerStatus, health: HealthStatus, exitCode?: number): StateView {
  return exitCode === undefined ? { status, health } : { status, health, exitCode };
}

/** The same view from inspect and list. */
function both(view: StateView | null): Pick<TraceEntry, 'inspect' | 'list'> {
  return { inspect: view, list: view };
}

function entry(
  step: string,
  outcome: string,
  observed: Pick<TraceEntry, 'inspect' | 'list'>,
  events: string[],
): TraceEntry {
  return { step, outcome, inspect: observed.inspect, list: observed.list, events };
}

const createSubject = (image: SampleImageName, options?: SpecOptions): Step => ({
  label: 'create',
  act: async (ctx) => {
    await ctx.create(ctx.spec(ctx.subject, image, options));
  },
});
const startSubject: Step = { label: 'start', act: async (ctx) => ctx.world.engine.start(ctx.id(ctx.subject)) };
const stopSubject: Step = { label: 'stop', act: async (ctx) => ctx.world.engine.stop(ctx.id(ctx.subject)) };
const removeSubject: Step = { label: 'remove', act: async (ctx) => ctx.world.engine.remove(ctx.id(ctx.subject)) };
const step = (label: string, act: Step['act']): Step => ({ label, act });

// ── The scenarios ────────────────────────────────────────────────────────────────────────────

const CREATED = state('created', 'none');
const RUNNING = state('running', 'none');
const RUNNING_HC = state('running', 'starting');
/** A stop without a grace period: see the 'graceful' scenario. */
const KILLED = state('exited', 'none', 137);

// The fields podman's answers fill through the adapter (podman 4.3.1, libpod list). The
// scenario's image (httpd) has a HEALTHCHECK, which only inspect shows.
const CREATED_FIELDS = 'health,healthcheck,id,image,labels,name,oomKilled,pid,status';
const CREATED_LIST_FIELDS = 'health,id,image,labels,name,pid,status';
const RUNNING_FIELDS = 'health,healthcheck,id,image,ipAddress,labels,name,oomKilled,pid,startedAt,status';
const RUNNING_LIST_FIELDS = 'health,id,image,labels,name,pid,startedAt,status';
const EXITED_FIELDS = 'exitCode,finishedAt,health,healthcheck,id,image,labels,name,oomKilled,pid,startedAt,status';
const EXITED_LIST_FIELDS = 'exitCode,finishedAt,health,id,image,labels,name,pid,startedAt,status';
/** `podman build` adds io.buildah.version to every sample image; containers inherit it. */
const SAMPLE_LABELS = `io.buildah.version,${LABELS.app},${LABELS.owner}`;
/** Podman's event attributes: the container's labels plus its own keys. */
const EVENT_FIELDS = `containerExitCode,image,io.buildah.version,${LABELS.app},${LABELS.owner},name,podId`;

/** How long the exec scenario polls for httpd to serve before the next step reports what it finds. */
const SERVE_DEADLINE_MS = 30_000;

export const SCENARIOS: readonly Scenario[] = [
  (() => {
    let ref = '';
    return {
      key: 'lifecycle',
      title: 'pull, create, start, stop and remove httpd',
      steps: [
        step('image absent before pull', async (ctx) => {
          ref = await ctx.world.uniqueImage('httpd');
          return String(await ctx.world.engine.imageExists(ref));
        }),
        step('pull', async (ctx) => ctx.world.engine.pull(ref, ctx.world.pullOptions)),
        step('image present after pull', async (ctx) => String(await ctx.world.engine.imageExists(ref))),
        step('create', async (ctx) => {
          await ctx.create(ctx.spec(ctx.subject, ref));
        }),
        startSubject,
        stopSubject,
        removeSubject,
      ],
      expected: [
        entry('image absent before pull', 'false', none, []),
        entry('pull', 'ok', none, []),
        entry('image present after pull', 'true', none, []),
        entry('create', 'ok', both(CREATED), ['create']),
        entry('start', 'ok', both(RUNNING_HC), ['start']),
        entry('stop', 'ok', both(state('exited', 'starting', 137)), ['die:137']),
        entry('remove', 'ok', none, ['remove']),
      ],
    };
  })(),
  {
    key: 'twice',
    title: 'start and stop are idempotent',
    steps: [
      createSubject('sleeper'),
      startSubject,
      step('start again', async (ctx) => ctx.world.engine.start(ctx.id(ctx.subject))),
      stopSubject,
      step('stop again', async (ctx) => ctx.world.engine.stop(ctx.id(ctx.subject))),
    ],
    expected: [
      entry('create', 'ok', both(CREATED), ['create']),
      entry('start', 'ok', both(RUNNING), ['start']),
      entry('start again', 'ok', both(RUNNING), []),
      entry('stop', 'ok', both(KILLED), ['die:137']),
      entry('stop again', 'ok', both(KILLED), []),
    ],
  },
  {
    key: 'graceful',
    title: 'only a stop timeout lets a TERM-trapping image exit 0',
    steps: [
      createSubject('sleeper'),
      startSubject,
      step('stop with a 10 s timeout', async (ctx) =>
        ctx.world.engine.stop(ctx.id(ctx.subject), { timeoutSeconds: 10 }),
      ),
      step('recreate with stopTimeoutSeconds 10', async (ctx) => {
        await ctx.world.engine.remove(ctx.id(ctx.subject));
        await ctx.create({ ...ctx.spec(ctx.subject, 'sleeper'), stopTimeoutSeconds: 10 });
        await ctx.world.engine.start(ctx.id(ctx.subject));
      }),
      stopSubject,
      step('start and stop with timeout 0', async (ctx) => {
        await ctx.world.engine.start(ctx.id(ctx.subject));
        await ctx.world.engine.stop(ctx.id(ctx.subject), { timeoutSeconds: 0 });
      }),
    ],
    expected: [
      entry('create', 'ok', both(CREATED), ['create']),
      entry('start', 'ok', both(RUNNING), ['start']),
      entry('stop with a 10 s timeout', 'ok', both(state('exited', 'none', 0)), ['die:0']),
      entry('recreate with stopTimeoutSeconds 10', 'ok', both(RUNNING), ['remove', 'create', 'start']),
      entry('stop', 'ok', both(state('exited', 'none', 0)), ['die:0']),
      entry('start and stop with timeout 0', 'ok', both(KILLED), ['start', 'die:137']),
    ],
  },
  {
    key: 'crasher',
    title: 'crasher exits 3 at once, every time it is started',
    steps: [
      createSubject('crasher'),
      startSubject,
      step('start again', async (ctx) => ctx.world.engine.start(ctx.id(ctx.subject))),
    ],
    expected: [
      entry('create', 'ok', both(CREATED), ['create']),
      entry('start', 'ok', both(state('exited', 'none', 3)), ['start', 'die:3']),
      entry('start again', 'ok', both(state('exited', 'none', 3)), ['start', 'die:3']),
    ],
  },
  {
    key: 'exitcode',
    title: 'crasher exits with EXIT_CODE',
    steps: [createSubject('crasher', { env: { EXIT_CODE: '7' } }), startSubject],
    expected: [
      entry('create', 'ok', both(CREATED), ['create']),
      entry('start', 'ok', both(state('exited', 'none', 7)), ['start', 'die:7']),
    ],
  },
  {
    key: 'badsetting',
    title: 'slowstart with an invalid SLOW_SECONDS exits 2',
    steps: [createSubject('slowstart', { env: { SLOW_SECONDS: 'soon' } }), startSubject],
    expected: [
      entry('create', 'ok', both(CREATED), ['create']),
      entry('start', 'ok', both(state('exited', 'starting', 2)), ['start', 'die:2']),
    ],
  },
  {
    key: 'exec',
    title: "exec answers with the command's exit code; a stopped container refuses it",
    steps: (() => {
      const health = ['sh', '-c', 'timeout 2 wget -q -O /dev/null http://127.0.0.1:8080/health'];
      const run = (ctx: ScenarioContext, id: string) =>
        ctx.world.engine.exec(id, health, { timeoutMs: 15_000 }).then((result) => `exit ${result.exitCode}`);
      return [
        createSubject('httpd'),
        startSubject,
        // Polled, not slept: how soon httpd listens after the start depends on the machine's load.
        step('wait until it serves', async (ctx) => {
          const deadline = Date.now() + SERVE_DEADLINE_MS;
          while ((await run(ctx, ctx.id(ctx.subject))) !== 'exit 0' && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
        }),
        step('exec its health check', async (ctx) => run(ctx, ctx.id(ctx.subject))),
        step('exec in a starter that does not serve yet', async (ctx) => {
          await ctx.create(ctx.spec(ctx.other('slow'), 'slowstart', { env: { SLOW_SECONDS: '60' } }));
          await ctx.world.engine.start(ctx.id(ctx.other('slow')));
          return run(ctx, ctx.id(ctx.other('slow')));
        }),
        stopSubject,
        step('exec in the stopped container', async (ctx) => run(ctx, ctx.id(ctx.subject))),
      ];
    })(),
    expected: [
      entry('create', 'ok', both(CREATED), ['create']),
      entry('start', 'ok', both(RUNNING_HC), ['start']),
      entry('wait until it serves', 'ok', both(RUNNING_HC), []),
      entry('exec its health check', 'exit 0', both(RUNNING_HC), []),
      entry('exec in a starter that does not serve yet', 'exit 1', both(RUNNING_HC), []),
      entry('stop', 'ok', both(state('exited', 'starting', 137)), ['die:137']),
      entry('exec in the stopped container', 'error:engine', both(state('exited', 'starting', 137)), []),
    ],
  },
  {
    key: 'kill',
    title: 'a kill from outside: kill, then die 137',
    steps: [
      createSubject('httpd'),
      startSubject,
      step('kill from outside', async (ctx) => ctx.world.kill(ctx.id(ctx.subject))),
    ],
    expected: [
      entry('create', 'ok', both(CREATED), ['create']),
      entry('start', 'ok', both(RUNNING_HC), ['start']),
      entry('kill from outside', 'ok', both(state('exited', 'starting', 137)), ['kill', 'die:137']),
    ],
  },
  {
    key: 'healthy',
    title: 'a passing health check run from outside',
    steps: [
      createSubject('httpd'),
      startSubject,
      step('health check run', async (ctx) => ctx.world.runHealthcheck(ctx.id(ctx.subject))),
      step('health check run again', async (ctx) => ctx.world.runHealthcheck(ctx.id(ctx.subject))),
    ],
    // The event carries the health from before the check (podman issue #19237).
    expected: [
      entry('create', 'ok', both(CREATED), ['create']),
      entry('start', 'ok', both(RUNNING_HC), ['start']),
      entry('health check run', 'ok', both(state('running', 'healthy')), ['health:starting']),
      entry('health check run again', 'ok', both(state('running', 'healthy')), ['health:healthy']),
    ],
  },
  {
    key: 'unhealthy',
    title: 'failing health check runs turn the health unhealthy after the retries',
    steps: [
      createSubject('unhealthy'),
      startSubject,
      step('first failing check', async (ctx) => ctx.world.runHealthcheck(ctx.id(ctx.subject))),
      step('second failing check', async (ctx) => ctx.world.runHealthcheck(ctx.id(ctx.subject))),
      step('third failing check', async (ctx) => ctx.world.runHealthcheck(ctx.id(ctx.subject))),
    ],
    expected: [
      entry('create', 'ok', both(CREATED), ['create']),
      entry('start', 'ok', both(RUNNING_HC), ['start']),
      entry('first failing check', 'ok', both(RUNNING_HC), ['health:starting']),
      entry('second failing check', 'ok', both(state('running', 'unhealthy')), ['health:starting']),
      entry('third failing check', 'ok', both(state('running', 'unhealthy')), ['health:unhealthy']),
    ],
  },
  {
    key: 'logs',
    title: 'logs: stdout and stderr of a container that prints and exits, followed and after the fact',
    steps: [
      createSubject('chatter'),
      // Followed from right after the start: every line, then the end of the stream with the process.
      step('start and follow its logs', async (ctx) => {
        await ctx.world.engine.start(ctx.id(ctx.subject));
        return logsOf(ctx, { follow: true });
      }),
      step('logs after it exited', async (ctx) => logsOf(ctx)),
      step('last line (tail 1)', async (ctx) => logsOf(ctx, { tail: 1 })),
      step('follow an exited container', async (ctx) => logsOf(ctx, { follow: true })),
      removeSubject,
      step('logs of a removed container', async (ctx) => logsOf(ctx)),
    ],
    expected: (() => {
      const all = 'stdout:chatter: started | stderr:chatter: a warning | stdout:chatter: done';
      const exited = both(state('exited', 'none', 0));
      return [
        entry('create', 'ok', both(CREATED), ['create']),
        entry('start and follow its logs', all, exited, ['start', 'die:0']),
        entry('logs after it exited', all, exited, []),
        entry('last line (tail 1)', 'stdout:chatter: done', exited, []),
        entry('follow an exited container', all, exited, []),
        entry('remove', 'ok', none, ['remove']),
        entry('logs of a removed container', 'error:not-found', none, []),
      ];
    })(),
  },
  {
    key: 'pause',
    title: 'pause and unpause from outside',
    steps: [
      createSubject('sleeper'),
      startSubject,
      step('pause from outside', async (ctx) => ctx.world.pause(ctx.id(ctx.subject))),
      step('unpause from outside', async (ctx) => ctx.world.unpause(ctx.id(ctx.subject))),
      stopSubject,
    ],
    expected: [
      entry('create', 'ok', both(CREATED), ['create']),
      entry('start', 'ok', both(RUNNING), ['start']),
      entry('pause from outside', 'ok', both(state('paused', 'none')), ['pause']),
      entry('unpause from outside', 'ok', both(RUNNING), ['unpause']),
      entry('stop', 'ok', both(KILLED), ['die:137']),
    ],
  },
  {
    key: 'stoppaused',
    title: 'a paused container cannot be started or stopped, only removed',
    steps: [
      createSubject('sleeper'),
      startSubject,
      step('pause from outside', async (ctx) => ctx.world.pause(ctx.id(ctx.subject))),
      step('start while paused', async (ctx) => ctx.world.engine.start(ctx.id(ctx.subject))),
      step('stop while paused', async (ctx) => ctx.world.engine.stop(ctx.id(ctx.subject))),
      removeSubject,
    ],
    expected: [
      entry('create', 'ok', both(CREATED), ['create']),
      entry('start', 'ok', both(RUNNING), ['start']),
      entry('pause from outside', 'ok', both(state('paused', 'none')), ['pause']),
      entry('start while paused', 'error:engine', both(state('paused', 'none')), []),
      entry('stop while paused', 'error:engine', both(state('paused', 'none')), []),
      entry('remove', 'ok', none, ['die:137', 'remove']),
    ],
  },
  {
    key: 'stopcreated',
    title: 'stop a container that never ran',
    steps: [createSubject('sleeper'), stopSubject, removeSubject],
    expected: [
      entry('create', 'ok', both(CREATED), ['create']),
      entry('stop', 'ok', both(CREATED), []),
      entry('remove', 'ok', none, ['remove']),
    ],
  },
  {
    key: 'rmrunning',
    title: 'remove a running container (always forced)',
    steps: [createSubject('unhealthy'), startSubject, removeSubject],
    expected: [
      entry('create', 'ok', both(CREATED), ['create']),
      entry('start', 'ok', both(RUNNING_HC), ['start']),
      entry('remove', 'ok', none, ['die:137', 'remove']),
    ],
  },
  {
    key: 'behindback',
    title: 'removed behind its back',
    steps: [
      createSubject('sleeper'),
      startSubject,
      step('remove from outside', async (ctx) => ctx.world.removeBehindBack(ctx.id(ctx.subject))),
      step('remove again', async (ctx) => ctx.world.engine.remove(ctx.id(ctx.subject))),
      step('start the removed', async (ctx) => ctx.world.engine.start(ctx.id(ctx.subject))),
      step('stop the removed', async (ctx) => ctx.world.engine.stop(ctx.id(ctx.subject))),
    ],
    expected: [
      entry('create', 'ok', both(CREATED), ['create']),
      entry('start', 'ok', both(RUNNING), ['start']),
      entry('remove from outside', 'ok', none, ['die:137', 'remove']),
      entry('remove again', 'ok', none, []),
      entry('start the removed', 'error:not-found', none, []),
      entry('stop the removed', 'error:not-found', none, []),
    ],
  },
  {
    key: 'shapes',
    title: 'observations and events carry the same fields as on podman',
    steps: [
      step('create', async (ctx) => {
        await ctx.create(ctx.spec(ctx.subject, 'httpd'));
        return shapeOf(ctx);
      }),
      step('start', async (ctx) => {
        await ctx.world.engine.start(ctx.id(ctx.subject));
        return shapeOf(ctx);
      }),
      step('stop', async (ctx) => {
        await ctx.world.engine.stop(ctx.id(ctx.subject));
        return shapeOf(ctx);
      }),
      step('event fields', async (ctx) => eventShapes(ctx)),
    ],
    expected: [
      entry(
        'create',
        `inspect ${CREATED_FIELDS}; list ${CREATED_LIST_FIELDS}; labels ${SAMPLE_LABELS}; pid 0`,
        both(CREATED),
        ['create'],
      ),
      entry(
        'start',
        `inspect ${RUNNING_FIELDS}; list ${RUNNING_LIST_FIELDS}; labels ${SAMPLE_LABELS}; pid >0; list times in whole seconds`,
        both(RUNNING_HC),
        ['start'],
      ),
      entry(
        'stop',
        `inspect ${EXITED_FIELDS}; list ${EXITED_LIST_FIELDS}; labels ${SAMPLE_LABELS}; pid 0; list times in whole seconds`,
        both(state('exited', 'starting', 137)),
        ['die:137'],
      ),
      entry(
        'event fields',
        [
          `create: ${EVENT_FIELDS}`,
          `start: ${EVENT_FIELDS}`,
          `die: ${EVENT_FIELDS.replace('containerExitCode,', 'containerExitCode,exitCode,')} exitCode=137`,
        ].join(' | '),
        both(state('exited', 'starting', 137)),
        [],
      ),
    ],
  },
  {
    key: 'image',
    title: "containerImage: the image a container runs, by id, with its repository's registry digest",
    steps: [
      createSubject('sleeper'),
      step('image of the subject', async (ctx) => {
        const image = await ctx.world.engine.containerImage(ctx.id(ctx.subject));
        const repository = ctx.world.image('sleeper').replace(/:[^:/]+$/, '');
        const digests = image?.repoDigests.filter((entry) => /^.+@sha256:[0-9a-f]{64}$/.test(entry)) ?? [];
        return `id ${/^sha256:[0-9a-f]{64}$/.test(image?.id ?? '')}; digest of its repository ${digests.some((entry) => entry.startsWith(`${repository}@`))}`;
      }),
      step('another image, another id', async (ctx) => {
        await ctx.create(ctx.spec(ctx.other('crash'), 'crasher'));
        const [mine, other] = await Promise.all([
          ctx.world.engine.containerImage(ctx.id(ctx.subject)),
          ctx.world.engine.containerImage(ctx.id(ctx.other('crash'))),
        ]);
        return mine?.id === other?.id ? 'same' : 'differs';
      }),
      step('no such container', async (ctx) => String(await ctx.world.engine.containerImage(`${ctx.subject}-none`))),
    ],
    expected: [
      entry('create', 'ok', both(CREATED), ['create']),
      entry('image of the subject', 'id true; digest of its repository true', both(CREATED), []),
      entry('another image, another id', 'differs', both(CREATED), []),
      entry('no such container', 'null', both(CREATED), []),
    ],
  },
  {
    key: 'noimage',
    title: 'create from an image that is not in local storage',
    steps: [
      step('create', async (ctx) => {
        await ctx.create(ctx.spec(ctx.subject, ctx.world.missingImage()));
      }),
    ],
    expected: [entry('create', 'error:image-not-found', none, [])],
  },
  {
    key: 'dupcreate',
    title: 'a retried create with the same owner returns the same container',
    steps: [
      createSubject('sleeper'),
      step('create again', async (ctx) => {
        const { id } = await ctx.world.engine.create(ctx.spec(ctx.subject, 'sleeper'));
        return id === ctx.id(ctx.subject) ? 'same-id' : `other-id:${id}`;
      }),
      // Podman resolves the image before the name.
      step('create again from a missing image', async (ctx) => {
        await ctx.world.engine.create(ctx.spec(ctx.subject, ctx.world.missingImage()));
      }),
    ],
    expected: [
      entry('create', 'ok', both(CREATED), ['create']),
      entry('create again', 'same-id', both(CREATED), []),
      entry('create again from a missing image', 'error:image-not-found', both(CREATED), []),
    ],
  },
  {
    key: 'conflict',
    title: 'a name held by another owner',
    steps: [
      step('foreign create', async (ctx) => {
        await ctx.create(ctx.spec(ctx.subject, 'sleeper', { owner: ctx.foreignOwner }));
      }),
      step('create', async (ctx) => {
        await ctx.world.engine.create(ctx.spec(ctx.subject, 'sleeper'));
      }),
      step('create from a missing image', async (ctx) => {
        await ctx.world.engine.create(ctx.spec(ctx.subject, ctx.world.missingImage()));
      }),
    ],
    expected: [
      entry('foreign create', 'ok', { inspect: CREATED, list: null }, []),
      entry('create', 'error:name-conflict', { inspect: CREATED, list: null }, []),
      entry('create from a missing image', 'error:image-not-found', { inspect: CREATED, list: null }, []),
    ],
  },
  {
    key: 'portclash',
    title: 'a host port held by another running container',
    steps: [
      step('holder starts', async (ctx) => {
        const holder = await ctx.create(ctx.spec(ctx.other('holder'), 'sleeper', { ports: [portOf(ctx)] }));
        await ctx.world.engine.start(holder);
      }),
      step('create with the same port', async (ctx) => {
        await ctx.create(ctx.spec(ctx.subject, 'sleeper', { ports: [portOf(ctx)] }));
      }),
      step('start while held', async (ctx) => ctx.world.engine.start(ctx.id(ctx.subject))),
      step('holder stops', async (ctx) => ctx.world.engine.stop(ctx.id(ctx.other('holder')))),
      step('start when free', async (ctx) => ctx.world.engine.start(ctx.id(ctx.subject))),
      stopSubject,
      step('holder starts again', async (ctx) => ctx.world.engine.start(ctx.id(ctx.other('holder')))),
      step('start exited while held', async (ctx) => ctx.world.engine.start(ctx.id(ctx.subject))),
    ],
    expected: [
      entry('holder starts', 'ok', none, []),
      entry('create with the same port', 'ok', both(CREATED), ['create']),
      entry('start while held', 'error:port-in-use', both(CREATED), []),
      entry('holder stops', 'ok', both(CREATED), []),
      entry('start when free', 'ok', both(RUNNING), ['start']),
      entry('stop', 'ok', both(KILLED), ['die:137']),
      entry('holder starts again', 'ok', both(KILLED), []),
      entry('start exited while held', 'error:port-in-use', both(KILLED), []),
    ],
  },
  {
    key: 'pullmissing',
    title: 'pull of a tag the registry does not have',
    steps: [
      step('pull', async (ctx) => ctx.world.engine.pull(ctx.world.missingImage(), ctx.world.pullOptions)),
      step('image absent', async (ctx) => String(await ctx.world.engine.imageExists(ctx.world.missingImage()))),
    ],
    expected: [entry('pull', 'error:image-not-found', none, []), entry('image absent', 'false', none, [])],
  },
  {
    key: 'plainhttp',
    title: 'a pull from the plain-HTTP registry needs it listed as insecure',
    steps: [
      step('pull without insecureRegistries', async (ctx) => ctx.world.engine.pull(ctx.world.image('sleeper'))),
      step('pull with insecureRegistries', async (ctx) =>
        ctx.world.engine.pull(ctx.world.image('sleeper'), ctx.world.pullOptions),
      ),
    ],
    expected: [
      entry('pull without insecureRegistries', 'error:registry-unreachable', none, []),
      entry('pull with insecureRegistries', 'ok', none, []),
    ],
  },
  {
    key: 'labels',
    title: "another owner's container events never reach this owner's stream",
    steps: [
      step('foreign create', async (ctx) => {
        // Connected before the create, or its event would be lost to a stream still opening.
        await ctx.foreignEvents();
        const id = await ctx.create(ctx.spec(ctx.subject, 'sleeper', { owner: ctx.foreignOwner }));
        return seenByForeign(ctx, id, 'create');
      }),
      step('foreign start', async (ctx) => {
        await ctx.world.engine.start(ctx.id(ctx.subject));
        return seenByForeign(ctx, ctx.id(ctx.subject), 'start');
      }),
      step('foreign stop', async (ctx) => {
        await ctx.world.engine.stop(ctx.id(ctx.subject));
        return seenByForeign(ctx, ctx.id(ctx.subject), 'die');
      }),
      step('foreign remove', async (ctx) => {
        await ctx.world.engine.remove(ctx.id(ctx.subject));
        return seenByForeign(ctx, ctx.id(ctx.subject), 'remove');
      }),
    ],
    expected: [
      entry('foreign create', 'its owner saw create', { inspect: CREATED, list: null }, []),
      entry('foreign start', 'its owner saw start', { inspect: RUNNING, list: null }, []),
      entry('foreign stop', 'its owner saw die', { inspect: KILLED, list: null }, []),
      entry('foreign remove', 'its owner saw remove', none, []),
    ],
  },
];

/**
 * The subject's log as one line of text: `stream:text` per line, in log order. The chatter
 * image prints its lines a second apart, so their order across the two streams is certain.
 */
async function logsOf(ctx: ScenarioContext, options: LogOptions = {}): Promise<string> {
  const lines: LogLine[] = await lastValueFrom(
    ctx.world.engine.logs(ctx.id(ctx.subject), options).pipe(toArray(), timeout({ first: 15_000 })),
  );
  return lines.map((line) => `${line.stream}:${line.text}`).join(' | ');
}

/** Which fields inspect and list fill for the subject, and what its pid and times look like. */
async function shapeOf(ctx: ScenarioContext): Promise<string> {
  const inspected = await ctx.world.engine.inspect(ctx.subject);
  const listed = (await ctx.world.engine.list({ [LABELS.owner]: ctx.world.owner })).find((c) => c.name === ctx.subject);
  if (!inspected || !listed) return `inspect ${inspected ? 'found' : 'missing'}; list ${listed ? 'found' : 'missing'}`;
  const fields = (o: object): string =>
    Object.entries(o)
      .filter(([, value]) => value !== undefined)
      .map(([key]) => key)
      .sort()
      .join(',');
  const parts = [
    `inspect ${fields(inspected)}`,
    `list ${fields(listed)}`,
    `labels ${Object.keys(inspected.labels).sort().join(',')}`,
    `pid ${inspected.pid !== undefined && inspected.pid > 0 ? '>0' : String(inspected.pid)}`,
  ];
  if (inspected.image !== listed.image || inspected.image !== ctx.world.image('httpd')) {
    parts.push(`image inspect=${inspected.image} list=${listed.image}`);
  }
  if (listed.startedAt !== undefined) {
    const whole = (ms: number | undefined): number | undefined =>
      ms === undefined ? undefined : Math.floor(ms / 1000) * 1000;
    const same = listed.startedAt === whole(inspected.startedAt) && listed.finishedAt === whole(inspected.finishedAt);
    parts.push(
      same
        ? 'list times in whole seconds'
        : `list times ${listed.startedAt}/${listed.finishedAt} vs ${inspected.startedAt}/${inspected.finishedAt}`,
    );
  }
  return parts.join('; ');
}

/** The label keys of the subject's create, start and die events. */
function eventShapes(ctx: ScenarioContext): string {
  const id = ctx.id(ctx.subject);
  return (['create', 'start', 'die'] as const)
    .map((action) => {
      const event = ctx.world.events.find((e) => e.containerId === id && e.action === action);
      if (!event) return `${action}: missing`;
      const keys = Object.keys(event.labels).sort().join(',');
      return action === 'die' ? `${action}: ${keys} exitCode=${event.exitCode}` : `${action}: ${keys}`;
    })
    .join(' | ');
}

function portOf(ctx: ScenarioContext): PortBinding {
  return { hostPort: ctx.port, containerPort: 8080, protocol: 'tcp' };
}

async function seenByForeign(ctx: ScenarioContext, id: string, action: string): Promise<string> {
  const log = await ctx.foreignEvents();
  await log.waitFor(
    (events) => events.some((e) => e.containerId === id && e.action === action),
    ctx.world.eventTimeoutMs,
  );
  return `its owner saw ${action}`;
}

// ── The runner ───────────────────────────────────────────────────────────────────────────────

const BARRIER_APP = 'conformance-barrier';

/**
 * Runs `scenario` and returns its trace. After each step it waits (bounded) for the events
 * the expected trace names, then for a barrier: a marker container created and removed, whose
 * `remove` event proves that everything before it has been delivered, so a missing or extra
 * event shows up in the step that caused it rather than as a flaky late arrival.
 */
export async function runScenario(world: World, scenario: Scenario): Promise<TraceEntry[]> {
  const subject = `${world.owner}-${scenario.key}`;
  const foreignOwner = `${world.owner}-foreign`;
  const ids = new Map<string, string>();
  let foreignLog: Promise<EventLog> | undefined;
  const ctx: ScenarioContext = {
    world,
    subject,
    foreignOwner,
    // Chosen by the OS: a number from a range may be taken on a shared machine.
    port: await freePort(),
    other: (suffix) => `${subject}-${suffix}`,
    spec: (name, image, options = {}) => ({
      name,
      image: (SAMPLE_IMAGE_NAMES as readonly string[]).includes(image) ? world.image(image as SampleImageName) : image,
      env: options.env ?? {},
      labels: { [LABELS.owner]: options.owner ?? world.owner, [LABELS.app]: name },
      ports: options.ports ?? [],
      mounts: [],
      tmpfs: [],
      capAdd: [],
    }),
    async create(spec) {
      const { id } = await world.engine.create(spec);
      ids.set(spec.name, id);
      return id;
    },
    id(name) {
      const id = ids.get(name);
      if (id === undefined) throw new Error(`scenario ${scenario.key}: no container "${name}" was created`);
      return id;
    },
    foreignEvents() {
      foreignLog ??= openEventLog(world.engine, { [LABELS.owner]: foreignOwner }, world.eventTimeoutMs);
      return foreignLog;
    },
  };

  const trace: TraceEntry[] = [];
  const seen = new Set<string>();
  let cursor = world.events.length;
  try {
    for (const [index, current] of scenario.steps.entries()) {
      let outcome: string;
      try {
        outcome = (await current.act(ctx)) ?? 'ok';
      } catch (error) {
        if (!(error instanceof EngineError)) throw error;
        outcome = `error:${error.code}`;
      }
      const expectedEvents = scenario.expected[index]?.events ?? [];
      await world
        .waitForEvents((log) => containsAll(subjectEvents(log.slice(cursor), subject, new Set(seen)), expectedEvents))
        .catch(() => undefined);
      const end = await barrier(world, `${subject}-barrier-${index}`);
      const events = subjectEvents(world.events.slice(cursor, end), subject, seen);
      cursor = end;
      const inspected = await world.engine.inspect(subject);
      const listed = (await world.engine.list({ [LABELS.owner]: world.owner })).find((c) => c.name === subject);
      trace.push({
        step: current.label,
        outcome,
        inspect: inspected ? view(inspected) : null,
        list: listed ? view(listed) : null,
        events,
      });
    }
  } finally {
    if (foreignLog) (await foreignLog.catch(() => undefined))?.close();
    for (const id of ids.values()) await world.engine.remove(id).catch(() => undefined);
  }
  return trace;
}

/** Creates and removes a marker container; resolves with the log length just past its `remove`. */
async function barrier(world: World, name: string): Promise<number> {
  const { id } = await world.engine.create({
    name,
    image: world.image('sleeper'),
    env: {},
    labels: { [LABELS.owner]: world.owner, [LABELS.app]: BARRIER_APP },
    ports: [],
    mounts: [],
    tmpfs: [],
    capAdd: [],
  });
  await world.engine.remove(id);
  const log = await world.waitForEvents((events) => events.some((e) => e.containerId === id && e.action === 'remove'));
  return log.findIndex((e) => e.containerId === id && e.action === 'remove') + 1;
}

/**
 * The subject's events, without `stop` and without repeats. Podman emits `stop` for some
 * stops and removes and not for others (0-3 of 8 in a measurement), so podwarden must never
 * depend on it and the simulator never sends it; `die` is the reliable signal. And podman's
 * file event logger re-delivers a batch of past events when it rotates its events file
 * (every ~1 MB of events; seen twice in ten runs, once with six old events of the subject
 * arriving steps later). A repeat is identical to the millisecond, so `seen` (kept for the
 * whole scenario) drops it here; podwarden itself must take stale repeats in its stride
 * (the simulator plays them with control.rotateEventLog).
 */
function subjectEvents(events: readonly ContainerEvent[], subject: string, seen: Set<string>): string[] {
  const result: string[] = [];
  for (const event of events) {
    if (event.labels[LABELS.app] !== subject || event.action === 'stop') continue;
    const key = `${event.containerId}|${event.action}|${event.time}|${event.exitCode ?? ''}|${event.health ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    result.push(describeEvent(event));
  }
  return result;
}

function describeEvent(event: ContainerEvent): string {
  if (event.action === 'die') return `die:${event.exitCode ?? '?'}`;
  if (event.action === 'health') return `health:${event.health ?? '?'}`;
  return event.action;
}

function containsAll(seen: readonly string[], wanted: readonly string[]): boolean {
  const left = [...seen];
  for (const item of wanted) {
    const at = left.indexOf(item);
    if (at < 0) return false;
    left.splice(at, 1);
  }
  return true;
}

function view(observation: ContainerObservation): StateView {
  return observation.status === 'exited'
    ? { status: observation.status, health: observation.health, exitCode: observation.exitCode ?? -1 }
    : { status: observation.status, health: observation.health };
}
