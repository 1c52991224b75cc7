/** Why a pull or build failed, told from the engine's error text. */
import { EngineError, type EngineErrorCode } from '../../domain/engine-error.js';
import { registryHostOf } from '../image-ref.js';

/** Also used for API call failures (engine-errors.ts): a full disk reads the same there. */
export const DISK_FULL = /no space left on device|disk quota exceeded/i;
const REGISTRY_UNREACHABLE =
  /connection refused|no such host|i\/o timeout|server gave HTTP response to HTTPS client|network is unreachable|no route to host|connection reset by peer|TLS handshake timeout|tls: |x509: |dial tcp|context deadline exceeded|temporary failure in name resolution/i;
const IMAGE_NOT_FOUND =
  /manifest unknown|name unknown|not found|no such image|image not known|repository does not exist|pull access denied|requested access to the resource is denied/i;

/** The cause of a failed pull, from the engine's error text. */
export function pullFailureCode(message: string): EngineErrorCode {
  if (DISK_FULL.test(message)) return 'disk-full';
  // Unreachable before not-found: a refused connection's text can quote paths and hosts, but
  // never a registry's "manifest unknown".
  if (REGISTRY_UNREACHABLE.test(message)) return 'registry-unreachable';
  if (IMAGE_NOT_FOUND.test(message)) return 'image-not-found';
  return 'engine';
}

export function classifyPullFailure(ref: string, message: string): EngineError {
  const code = pullFailureCode(message);
  if (/server gave HTTP response to HTTPS client/i.test(message)) {
    return new EngineError(
      code,
      `pull of image ${ref} failed: registry ${registryHostOf(ref)} speaks plain HTTP and is not ` +
        `in podwarden's insecureRegistries (add it with --insecure-registry ${registryHostOf(ref)}, ` +
        `PODWARDEN_INSECURE_REGISTRIES or the insecureRegistries option): ${message}`,
    );
  }
  const what: Record<EngineErrorCode, string> = {
    'disk-full': `pull of image ${ref} failed: the engine's storage is full`,
    'registry-unreachable': `pull of image ${ref} failed: registry ${registryHostOf(ref)} unreachable`,
    'image-not-found': `pull of image ${ref} failed: the registry has no such image or tag`,
    engine: `pull of image ${ref} failed`,
    unreachable: `pull of image ${ref} failed`,
    'not-found': `pull of image ${ref} failed`,
    'name-conflict': `pull of image ${ref} failed`,
    'port-in-use': `pull of image ${ref} failed`,
  };
  return new EngineError(code, `${what[code]}: ${message}`);
}

export function classifyBuildFailure(tag: string, context: string, message: string): EngineError {
  // Registry words only count when the builder was fetching a base image: a RUN step's
  // failure must not pass for an unreachable registry.
  const pulling = /initializing source|creating build container|trying to pull|pulling image/i.test(message);
  const code = DISK_FULL.test(message) ? 'disk-full' : pulling ? pullFailureCode(message) : 'engine';
  const reason =
    code === 'disk-full'
      ? "the engine's storage is full"
      : code === 'registry-unreachable'
        ? 'a base image registry is unreachable'
        : code === 'image-not-found'
          ? 'a base image or file was not found'
          : 'the build failed';
  return new EngineError(code, `build of image ${tag} from ${context}: ${reason}: ${message}`);
}
