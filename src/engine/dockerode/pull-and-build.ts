import type { IncomingMessage } from 'node:http';
import type Docker from 'dockerode';
import { buildContextEntries } from './build-context.js';
import type { OpenStream } from './call-deadline.js';
import { dialStream } from './dockerode-dial.js';
import type { EngineFactsCache } from './engine-facts.js';
import { fullyQualifiedRef, registryHostOf } from '../image-ref.js';
import { EngineError } from '../../domain/engine-error.js';
import { type BuildSpec, type PullOptions } from '../port.js';
import { buildProgressFromLine, pullProgressFromLine } from './progress-lines.js';
import { followProgress } from './progress-stream.js';

// Images made on the engine, pulled or built: each one streaming call whose progress lines are
// followed to the end (an error line fails it), and then the image itself checked for.

/** What a pull or a build needs of the adapter. */
export interface ImageStreamDeps {
  docker: Docker;
  socketPath: string;
  /** The engine's flavour and libpod API version: they pick the pull endpoint. */
  facts: EngineFactsCache;
  openStream: OpenStream;
  imageExists(ref: string): Promise<boolean>;
}

export async function pullImage(deps: ImageStreamDeps, ref: string, options: PullOptions): Promise<void> {
  const action = `pull of image ${ref}`;
  const insecure = options.insecureRegistries?.includes(registryHostOf(ref)) ?? false;
  const facts = await deps.facts.load();
  const libpodVersion = facts.flavor === 'podman' ? facts.libpodApiVersion : undefined;
  // On podman the libpod endpoint is used for every pull, with TLS verification said out
  // loud: an explicit tlsVerify=true overrides `insecure = true` in registries.conf, so only
  // podwarden's own insecureRegistries list decides which registries may speak plain HTTP.
  // (Docker decides by its daemon.json alone; the compat endpoint has no say.)
  const stream = await deps.openStream({ action }, (abortSignal) =>
    libpodVersion !== undefined
      ? dialStream(deps.docker, {
          path: `/v${libpodVersion}/libpod/images/pull?`,
          method: 'POST',
          options: { _query: { reference: fullyQualifiedRef(ref), tlsVerify: !insecure }, _body: {} },
          abortSignal,
        })
      : (deps.docker.pull(ref, { abortSignal }) as Promise<IncomingMessage>),
  );
  await followProgress(
    stream,
    { action, socketPath: deps.socketPath },
    (line) => pullProgressFromLine(ref, line),
    options,
  );
  // The stream ending without an error line is the engine's only success signal; a
  // truncated stream looks the same, so the image itself is the proof.
  if (!(await deps.imageExists(ref))) {
    throw new EngineError(
      'engine',
      `${action}: the engine reported no error, but the image is not in its storage afterwards`,
    );
  }
}

export async function buildImage(deps: ImageStreamDeps, spec: BuildSpec, options: PullOptions): Promise<void> {
  const action = `build of image ${spec.tag} from ${spec.context}`;
  const { containerfile, files } = await buildContextEntries(spec, action);
  const stream = await deps.openStream(
    { action },
    (abortSignal) =>
      deps.docker.buildImage(
        { context: spec.context, src: files },
        // forcerm: a failed build must not leave its working container behind (a retried
        // broken build would otherwise pile one up per attempt).
        { t: spec.tag, dockerfile: containerfile, forcerm: true, abortSignal },
      ) as Promise<IncomingMessage>,
  );
  await followProgress(
    stream,
    { action, socketPath: deps.socketPath },
    (line) => buildProgressFromLine(spec.tag, spec.context, line),
    options,
  );
  if (!(await deps.imageExists(spec.tag))) {
    throw new EngineError(
      'engine',
      `${action}: the engine reported no error, but image ${spec.tag} does not exist afterwards`,
    );
  }
}
