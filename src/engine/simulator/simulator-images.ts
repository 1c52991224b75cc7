import type { EngineHealthcheck } from '../../domain/container-observation.js';

/** A line the image's entry point prints `afterMs` after its start (a pause holds it back). */
export interface PrintedLine {
  afterMs: number;
  stream: 'stdout' | 'stderr';
  text: string;
}

/**
 * What a container of a simulated image does once started. The simulator has no processes:
 * an image's behaviour is the whole truth about its containers.
 */
export type ImageBehaviour = ServeBehaviour | ExitBehaviour;

interface CommonBehaviour {
  /**
   * The image's HEALTHCHECK, as inspect shows it in `Config.Healthcheck`: a started container
   * reports health 'starting'.
   */
  healthcheck?: EngineHealthcheck;
  /**
   * Whether the service inside would pass its health check once ready. Podman never runs
   * checks by itself on these hosts, so this only answers `control.isServing` and decides
   * what `control.runHealthcheck` (a `podman healthcheck run` from outside) finds.
   */
  healthy?: boolean;
  /** The image's own labels; podman shows them among every container's labels. */
  labels?: Readonly<Record<string, string>>;
  /** Container port the service listens on, for probe simulations. */
  listensOn?: number;
  /**
   * PID 1 ignores SIGTERM (busybox httpd/sleep without a trap): `stop` then waits the whole
   * stop timeout and kills, so the container exits 137.
   */
  ignoresTerm?: boolean;
  /**
   * The process takes this many MiB at once after start: under a smaller memory limit the
   * kernel OOM-kills it, and podman 4.3 here reports exit 137 with OOMKilled false.
   */
  takesMiB?: number;
  /** An env variable of the container that overrides `takesMiB` (the memhog's HOG_MIB). */
  takesMiBEnv?: string;
  /** What the entry point prints on each start, in order; what `logs` returns (nothing is invented). */
  output?: readonly PrintedLine[];
}

export interface ServeBehaviour extends CommonBehaviour {
  /** Runs until stopped or killed. */
  kind: 'serve';
  /** The service answers only this long after start. */
  readyAfterMs?: number;
  /**
   * An env variable of the container that overrides `readyAfterMs`, in whole seconds (the
   * way the slowstart sample image reads SLOW_SECONDS). A value that is not a whole number
   * makes the process exit 2 at once, as the sample image does.
   */
  readyAfterSecondsEnv?: string;
}

export interface ExitBehaviour extends CommonBehaviour {
  /**
   * The process exits by itself with `code`, `afterMs` after start. At 0 (the default) it is
   * gone before `start` resolves, as such processes almost always are on podman.
   */
  kind: 'exit';
  code: number;
  afterMs?: number;
  /**
   * An env variable of the container that overrides `code` (the crasher's EXIT_CODE). A value
   * that is not a whole number from 0 to 255 makes the process exit 2, as the sample image does.
   */
  exitCodeEnv?: string;
}

/** The exit code of the sample images' entry points when their env settings are invalid. */
export const INVALID_SETTING_EXIT_CODE = 2;

export type SampleImageName = 'httpd' | 'crasher' | 'unhealthy' | 'sleeper' | 'slowstart' | 'memhog' | 'chatter';

export const SAMPLE_IMAGE_NAMES: readonly SampleImageName[] = [
  'httpd',
  'crasher',
  'unhealthy',
  'sleeper',
  'slowstart',
  'memhog',
  'chatter',
];

/** The local registry the engine setup script runs (plain HTTP). */
export const SAMPLE_REGISTRY = '127.0.0.1:5000';

/** Seconds slowstart waits before serving when SLOW_SECONDS is not set (as its image does). */
export const SLOWSTART_DEFAULT_SECONDS = 5;

/** `podman build` stamps every image it builds with its buildah version. */
const BUILT_BY = { 'io.buildah.version': '1.28.2' } as const;

/**
 * The sample images' HEALTHCHECK (--interval=5s --timeout=3s --retries=2, all on /health), as podman 4.3's
 * inspect reports it: no StartPeriod, since the images leave it unset.
 */
const CHECKED: { healthcheck: EngineHealthcheck } = {
  healthcheck: {
    test: ['CMD-SHELL', 'timeout 2 wget -q -O /dev/null http://127.0.0.1:8080/health || exit 1'],
    intervalMs: 5_000,
    timeoutMs: 3_000,
    retries: 2,
  },
};

/**
 * The sample images the engine setup script pushes to the local registry, as the simulator
 * plays them. Every one of them traps TERM, so a stop exits 0 at once.
 */
export const SAMPLE_IMAGE_BEHAVIOURS: Readonly<Record<SampleImageName, ImageBehaviour>> = {
  // busybox httpd on 8080 with a HEALTHCHECK that fetches the index page.
  httpd: { kind: 'serve', ...CHECKED, healthy: true, listensOn: 8080, labels: BUILT_BY },
  // Prints a line and exits 3 (or EXIT_CODE) at once.
  crasher: { kind: 'exit', code: 3, exitCodeEnv: 'EXIT_CODE', labels: BUILT_BY },
  // Serves, but its HEALTHCHECK always fails.
  unhealthy: { kind: 'serve', ...CHECKED, healthy: false, listensOn: 8080, labels: BUILT_BY },
  // Idles until stopped.
  sleeper: { kind: 'serve', labels: BUILT_BY },
  // Serves 8080 only SLOW_SECONDS after start.
  slowstart: {
    kind: 'serve',
    ...CHECKED,
    healthy: true,
    listensOn: 8080,
    readyAfterMs: SLOWSTART_DEFAULT_SECONDS * 1000,
    readyAfterSecondsEnv: 'SLOW_SECONDS',
    labels: BUILT_BY,
  },
  // Takes HOG_MIB MiB (default 256), then idles; OOM-killed under a smaller memory limit.
  memhog: { kind: 'serve', takesMiB: 256, takesMiBEnv: 'HOG_MIB', labels: BUILT_BY },
  // Prints on both streams a second apart (so their order is certain), then exits 0.
  chatter: {
    kind: 'exit',
    code: 0,
    afterMs: 2_000,
    labels: BUILT_BY,
    output: [
      { afterMs: 0, stream: 'stdout', text: 'chatter: started' },
      { afterMs: 1_000, stream: 'stderr', text: 'chatter: a warning' },
      { afterMs: 2_000, stream: 'stdout', text: 'chatter: done' },
    ],
  },
};

/** `127.0.0.1:5000/podwarden/httpd:1` and friends. */
export function sampleImageRef(name: SampleImageName, registry: string = SAMPLE_REGISTRY, tag = '1'): string {
  return `${registry}/podwarden/${name}:${tag}`;
}

/** The sample images keyed by ref, ready for `createSimulatedEngine({ registry })`. */
export function sampleRegistry(registry: string = SAMPLE_REGISTRY): Record<string, ImageBehaviour> {
  const images: Record<string, ImageBehaviour> = {};
  for (const name of SAMPLE_IMAGE_NAMES) {
    images[sampleImageRef(name, registry)] = SAMPLE_IMAGE_BEHAVIOURS[name];
  }
  return images;
}
