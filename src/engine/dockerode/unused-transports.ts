/**
 * dockerode and docker-modem load, at import, two heavy parts that podwarden only needs when
 * asked for them: dockerode's BuildKit session (`session.js`: gRPC and protobuf, for
 * `buildImage` with `version: '2'`) and docker-modem's ssh transport (`ssh.js`: ssh2 and its
 * crypto, for `ssh://` hosts). podwarden speaks to a unix socket and builds with the classic
 * builder, yet the two cost ~8 MiB of the daemon's memory (ssh2 also reserves 16 MiB for its
 * WebAssembly Poly1305) and ~200 modules to load.
 *
 * Each of the two modules exports one function. Before dockerode is first required, this puts a
 * stand-in for each into Node's CommonJS cache (`require.cache`, which Node documents as
 * writable): the stand-in loads the real module on its first call and hands the call on, so
 * both still work, only later. Import this module before `dockerode`.
 */
import { existsSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

const require = createRequire(import.meta.url);

/** The files stood in for, resolved the way dockerode and docker-modem resolve them. */
export function deferredFiles(): string[] {
  const dockerodeMain = require.resolve('dockerode');
  const modemMain = createRequire(dockerodeMain).resolve('docker-modem');
  return [join(dirname(dockerodeMain), 'session.js'), join(dirname(modemMain), 'ssh.js')];
}

function loadOnFirstCall(file: string): void {
  // Already loaded (someone required dockerode first), or laid out differently by a new
  // version: then nothing is deferred and nothing breaks.
  if (require.cache[file] !== undefined || !existsSync(file)) return;
  let real: AnyFunction | undefined;
  const standIn = new Module(file);
  standIn.filename = file;
  standIn.loaded = true;
  standIn.exports = function (this: unknown, ...args: unknown[]): unknown {
    if (real === undefined) {
      delete require.cache[file];
      real = require(file) as AnyFunction;
    }
    return real.apply(this, args);
  };
  require.cache[file] = standIn;
}

for (const file of deferredFiles()) loadOnFirstCall(file);
