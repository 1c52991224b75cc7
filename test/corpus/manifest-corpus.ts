import { cp, mkdir, readdir, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

/**
 * podwarden's own bad-input corpus: manifests a catalog from strangers may hold, each with the
 * field (or line) and the reason podwarden must refuse it for. Text cases live as files in
 * `manifests/` (run `podwarden validate test/corpus/manifests/*.yml` to see every message);
 * cases that cannot be plain text in a repository (encodings, huge files, links leading out
 * of the catalog) are written by `writeCorpus`.
 */
export interface Refusal {
  /** The field path of the error (`app.container.volumes[0]`), '' for a file-level one, or a line for YAML. */
  path: string | { line: number };
  /** A piece of the message that says why. */
  reason: string | RegExp;
}

const HERE = fileURLToPath(new URL('.', import.meta.url));
export const STATIC_DIR = join(HERE, 'manifests');

/** Planted outside the catalog: no output may ever contain it. */
export const OUTSIDE_SECRET = 'outside-secret-7f3a9c-do-not-echo';

const IMAGE = '127.0.0.1:5000/podwarden/httpd:1';
const container = (fields: Record<string, unknown> = {}) => ({ image: IMAGE, ...fields });
const manifest = (id: string, fields: Record<string, unknown> = {}, app: Record<string, unknown> = {}) =>
  stringify({ app: { id, name: id, version: '1', ...app, container: container(fields) } });

const socket = /which no policy can allow: it is the container engine's socket/;
const byDefault = /host access is refused by default and (there is no policy file|no rule in .* allows it)/;
const never = /which no policy can allow: /;
const unknown = (field: string) => `unknown field "${field}"`;
const wrong = (type: string) => `expected ${type}`;

/** The text cases, by file name in `manifests/`. */
export const STATIC_REFUSALS: Record<string, Refusal> = {
  'host-engine-socket.yml': { path: 'app.container.volumes[0]', reason: socket },
  'host-docker-socket.yml': { path: 'app.container.volumes[0]', reason: socket },
  'host-rootless-socket.yml': { path: 'app.container.volumes[0]', reason: "user's container engine socket" },
  'host-root.yml': { path: 'app.container.volumes[0]', reason: "it is the host's root" },
  'host-etc.yml': { path: 'app.container.volumes[0]', reason: never },
  'host-run.yml': { path: 'app.container.volumes[0]', reason: 'it holds /run/podman/podman.sock' },
  'host-proc.yml': { path: 'app.container.volumes[0]', reason: "it is inside /proc, the kernel's process interface" },
  'host-sys.yml': { path: 'app.container.volumes[0]', reason: 'it is inside /sys' },
  'host-dev.yml': { path: 'app.container.volumes[0]', reason: 'it is inside /dev' },
  'host-folder.yml': { path: 'app.container.volumes[0]', reason: byDefault },
  'host-podman-storage.yml': { path: 'app.container.volumes[0]', reason: "podman's storage" },
  'host-trailing-dots.yml': { path: 'app.container.volumes[0]', reason: 'binds the host path "/etc"' },
  'cap-sys-admin.yml': {
    path: 'app.container.capAdd[0]',
    reason: /host capability SYS_ADMIN; host access is refused by default/,
  },
  'cap-all.yml': { path: 'app.container.capAdd[0]', reason: 'host capability ALL' },
  'cap-prefixed.yml': { path: 'app.container.capAdd[0]', reason: 'host capability SYS_PTRACE' },
  'network-host.yml': {
    path: 'app.container.network',
    reason: /joins the host's network; host access is refused by default/,
  },
  'network-host-capitals.yml': { path: 'app.container.network', reason: "joins the host's network" },
  'network-container-namespace.yml': { path: 'app.container.network', reason: 'is not a valid network name' },
  'privileged.yml': { path: 'app.container.privileged', reason: unknown('privileged') },
  'devices.yml': { path: 'app.container.devices', reason: unknown('devices') },
  'pid-host.yml': { path: 'app.container.pid', reason: unknown('pid') },
  'security-opt.yml': { path: 'app.container.securityOpt', reason: unknown('securityOpt') },
  'companion-engine-socket.yml': { path: 'app.companions[0].container.volumes[0]', reason: socket },
  'companion-cap.yml': { path: 'app.companions[0].container.capAdd[0]', reason: 'host capability NET_ADMIN' },
  'template-absolute.yml': {
    path: 'app.files[0].templateFile',
    reason: "is an absolute path; templateFile must be relative to the manifest's folder",
  },
  'template-dotdot.yml': { path: 'app.files[0].templateFile', reason: 'contains ".."; templateFile must stay inside' },
  'build-context-absolute.yml': {
    path: 'app.container.build.context',
    reason: 'is an absolute path; build.context must be relative',
  },
  'build-context-dotdot.yml': { path: 'app.container.build.context', reason: 'contains ".."' },
  'containerfile-dotdot.yml': {
    path: 'app.container.build.containerfile',
    reason: 'must stay inside the build context',
  },
  'data-path-absolute.yml': { path: 'app.files[0].path', reason: 'is an absolute path' },
  'data-path-dotdot.yml': { path: 'app.files[0].path', reason: 'contains ".."' },
  'values-dotdot.yml': { path: 'app.values', reason: "must stay inside podwarden's secrets directory" },
  'volume-dotdot.yml': { path: 'app.container.volumes[0]', reason: "points outside the app's data directory" },
  'long-name.yml': { path: 'app.name', reason: 'name must be at most 100 characters, got 150' },
  'long-description.yml': { path: 'app.description', reason: 'description must be at most 4000 characters' },
  'long-id.yml': { path: 'app.id', reason: /\(46 characters\) is not a valid app id/ },
  'huge-port.yml': { path: 'app.container.ports[0].host', reason: 'expected a number, got Infinity' },
  'huge-retries.yml': { path: 'app.container.healthcheck.retries', reason: 'retries must be a whole number' },
  'huge-duration.yml': { path: 'app.container.stopTimeout', reason: 'a duration must be at most 168h' },
  'negative-duration.yml': { path: 'app.container.stopTimeout', reason: 'invalid duration -5' },
  'huge-memory.yml': { path: 'app.container.resources.memory', reason: 'invalid size' },
  'huge-cpus.yml': { path: 'app.container.resources.cpus', reason: 'cpus must be at most 1024' },
  'huge-status.yml': { path: 'app.probes.liveness.http.expectStatus', reason: 'must be an HTTP status' },
  'cyrillic-id.yml': { path: 'app.id', reason: '"bitcoin\\u0434" is not a valid app id' },
  'zero-width-id.yml': { path: 'app.id', reason: '"bit\\u200bcoind" is not a valid app id' },
  'bidi-name.yml': {
    path: 'app.name',
    reason: 'must not contain control or invisible characters, got "Wallet \\u202egnp.exe"',
  },
  'escape-name.yml': { path: 'app.name', reason: '"\\u001b[2J\\u001b[31mred"' },
  'control-description.yml': { path: 'app.description', reason: '"fine\\u0007bell"' },
  'duplicate-id.yml': { path: { line: 4 }, reason: 'app.id is written twice in the same mapping' },
  'duplicate-env.yml': { path: { line: 9 }, reason: 'app.container.env.RPC_USER is written twice' },
  'multi-document.yml': { path: { line: 7 }, reason: 'the file holds several YAML documents ("---" starts another)' },
  'billion-laughs.yml': { path: '', reason: 'aliases (*name) expand to too much here' },
  'unresolved-alias.yml': { path: '', reason: 'an alias (*nope) has no anchor (&name) before it' },
  'python-tag.yml': { path: { line: 7 }, reason: 'YAML tags' },
  'binary-tag.yml': { path: 'app.name', reason: 'expected a string, got binary data' },
  'proto-key.yml': { path: { line: 8 }, reason: '"__proto__" is not a key podwarden reads' },
  'empty.yml': { path: '', reason: 'the file is empty' },
  'only-comments.yml': { path: '', reason: 'the file is empty' },
  'top-level-list.yml': {
    path: { line: 1 },
    reason: 'a manifest must be a mapping with an "app" key at the top, got a list',
  },
  'top-level-scalar.yml': { path: { line: 1 }, reason: 'a manifest must be a mapping with an "app" key at the top' },
  'shadow-like.yml': { path: 'app', reason: 'is required' },
  'unclosed-quote.yml': { path: { line: 3 }, reason: 'Missing closing' },
  'tab-indent.yml': { path: { line: 2 }, reason: 'Tabs are not allowed' },
  'unknown-top-field.yml': { path: 'apps', reason: 'unknown field "apps" (did you mean "app"?)' },
  'type-app-scalar.yml': { path: 'app', reason: wrong('a mapping, got 5') },
  'type-id-number.yml': { path: 'app.id', reason: wrong('a string, got 12345') },
  'type-name-map.yml': { path: 'app.name', reason: wrong('a string, got a mapping') },
  'type-version-list.yml': { path: 'app.version', reason: wrong('a version like "1.2.3", got a list') },
  'type-container-list.yml': { path: 'app.container', reason: wrong('a mapping, got a list') },
  'type-env-list.yml': { path: 'app.container.env', reason: wrong('a mapping, got a list') },
  'type-ports-string.yml': { path: 'app.container.ports', reason: wrong('a list, got "80:80"') },
  'type-volumes-map.yml': { path: 'app.container.volumes', reason: wrong('a list, got a mapping') },
  'type-command-string.yml': { path: 'app.container.command', reason: 'got a single string; write it as a list' },
  'type-healthcheck-list.yml': { path: 'app.container.healthcheck', reason: wrong('a mapping, got a list') },
  'type-probes-string.yml': { path: 'app.probes', reason: wrong('a mapping, got "always"') },
  'type-companions-map.yml': { path: 'app.companions', reason: wrong('a list, got a mapping') },
  'type-depends-string.yml': { path: 'app.dependsOn', reason: wrong('a list, got "bitcoind"') },
  'type-files-map.yml': { path: 'app.files', reason: wrong('a list, got a mapping') },
  'type-resources-number.yml': { path: 'app.container.resources', reason: wrong('a mapping, got 5') },
  'type-capadd-string.yml': { path: 'app.container.capAdd', reason: wrong('a list, got "NET_ADMIN"') },
  'type-port-object-bool.yml': { path: 'app.container.ports[0].host', reason: wrong('a number, got true') },
};

const tooLarge =
  /^the file is [\d.]+ (KiB|MiB); a manifest may be at most 256 KiB \(--manifest-max-bytes\), so it is not read$/;
const tooDeep = 'nested more than 64 deep';

/** Cases written at run time, each with its refusal. `outside` is a folder beside the catalog, where the secret lives. */
const GENERATED: Array<{ name: string; write: (file: string, outside: string) => Promise<void>; refusal: Refusal }> = [
  {
    name: 'link-to-outside.yml',
    write: (file, outside) => symlink(join(outside, 'secret.yml'), file),
    refusal: { path: '', reason: 'is a symbolic link that leads outside the catalog' },
  },
  {
    name: 'link-to-etc-shadow.yml',
    write: (file) => symlink('/etc/shadow', file),
    refusal: { path: '', reason: 'is a symbolic link that leads outside the catalog' },
  },
  {
    name: 'template-link-out.yml',
    write: async (file, outside) => {
      await symlink(outside, join(file, '..', 'template-out'));
      await writeFile(
        file,
        manifest('bad-template-link', {}, { files: [{ path: 'x.conf', templateFile: './template-out/secret.yml' }] }),
      );
    },
    refusal: {
      path: 'app.files[0].templateFile',
      reason: "leads outside the manifest's folder through a symbolic link",
    },
  },
  {
    name: 'build-context-link-out.yml',
    write: async (file) => {
      await symlink('/etc', join(file, '..', 'context-out'));
      await writeFile(
        file,
        stringify({
          app: { id: 'bad-build-link', name: 'B', version: '1', container: { build: { context: './context-out' } } },
        }),
      );
    },
    refusal: {
      path: 'app.container.build.context',
      reason: "leads outside the manifest's folder through a symbolic link",
    },
  },
  {
    name: 'oversized.yml',
    write: (file) => writeFile(file, `${manifest('bad-oversized')}${'# padding\n'.repeat(30_000)}`),
    refusal: { path: '', reason: tooLarge },
  },
  {
    // 50 MB on paper (a sparse file): refused from its size, never read.
    name: 'oversized-50mb.yml',
    write: async (file) => {
      await writeFile(file, manifest('bad-50mb'));
      await truncate(file, 50 * 1024 * 1024);
    },
    refusal: { path: '', reason: tooLarge },
  },
  {
    name: 'name-5mb.yml',
    write: (file) => writeFile(file, manifest('bad-name-5mb', {}, { name: 'n'.repeat(5_000_000) })),
    refusal: { path: '', reason: tooLarge },
  },
  {
    name: 'utf16le.yml',
    write: (file) =>
      writeFile(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(manifest('bad-utf16le'), 'utf16le')])),
    refusal: { path: '', reason: 'the file is UTF-16 text' },
  },
  {
    name: 'utf16be.yml',
    write: (file) =>
      writeFile(
        file,
        Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(manifest('bad-utf16be'), 'utf16le').swap16()]),
      ),
    refusal: { path: '', reason: 'the file is UTF-16 text' },
  },
  {
    name: 'latin1.yml',
    write: (file) => writeFile(file, Buffer.from(manifest('bad-latin1', {}, { name: 'café' }), 'latin1')),
    refusal: { path: { line: 3 }, reason: 'is not valid UTF-8' },
  },
  {
    name: 'nul-byte.yml',
    write: (file) => writeFile(file, manifest('bad-nul').replace('version', 'ver\0sion')),
    refusal: { path: { line: 4 }, reason: 'the file contains a NUL character' },
  },
  {
    name: 'random-bytes.yml',
    write: (file) => writeFile(file, pseudoRandomBytes(4096)),
    refusal: { path: '', reason: /UTF-8|NUL|YAML|mapping|line/ },
  },
  {
    name: 'deep-flow.yml',
    write: (file) => writeFile(file, `app: ${'['.repeat(5000)}${']'.repeat(5000)}\n`),
    refusal: { path: { line: 1 }, reason: tooDeep },
  },
  {
    name: 'deep-block.yml',
    write: (file) => writeFile(file, Array.from({ length: 100 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')),
    refusal: { path: { line: 65 }, reason: tooDeep },
  },
  {
    name: 'deep-sequence.yml',
    write: (file) => writeFile(file, `app:\n  command: ${'- '.repeat(10_000)}x\n`),
    refusal: { path: { line: 2 }, reason: tooDeep },
  },
  {
    name: 'many-env.yml',
    write: (file) =>
      writeFile(
        file,
        manifest('bad-many-env', { env: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`K${i}`, 'v'])) }),
      ),
    refusal: { path: 'app.container.env', reason: 'env must have at most 256 entries, got 300' },
  },
  {
    name: 'long-env-value.yml',
    write: (file) => writeFile(file, manifest('bad-env-value', { env: { CERT: 'c'.repeat(40_000) } })),
    refusal: { path: 'app.container.env.CERT', reason: 'an environment value must be at most 32768 characters' },
  },
  {
    name: 'many-ports.yml',
    write: (file) =>
      writeFile(file, manifest('bad-many-ports', { ports: Array.from({ length: 70 }, (_, i) => `${20000 + i}:80`) })),
    refusal: { path: 'app.container.ports', reason: 'ports must have at most 64 entries, got 70' },
  },
  {
    name: 'many-volumes.yml',
    write: (file) =>
      writeFile(file, manifest('bad-many-volumes', { volumes: Array.from({ length: 70 }, (_, i) => `v${i}:/v${i}`) })),
    refusal: { path: 'app.container.volumes', reason: 'volumes must have at most 64 entries' },
  },
  {
    name: 'many-files.yml',
    write: (file) =>
      writeFile(
        file,
        manifest(
          'bad-many-files',
          {},
          { files: Array.from({ length: 70 }, (_, i) => ({ path: `f${i}`, template: 'x' })) },
        ),
      ),
    refusal: { path: 'app.files', reason: 'files must have at most 64 entries' },
  },
  {
    name: 'many-companions.yml',
    write: (file) =>
      writeFile(
        file,
        manifest(
          'bad-many-companions',
          {},
          { companions: Array.from({ length: 20 }, (_, i) => ({ id: `c${i}`, container: container() })) },
        ),
      ),
    refusal: { path: 'app.companions', reason: 'companions must have at most 16 entries' },
  },
  {
    name: 'many-errors.yml',
    write: (file) => writeFile(file, manifest('bad-many-errors', { ports: Array.from({ length: 60 }, () => 'x') })),
    refusal: { path: '', reason: /^and \d+ more problems in this file$/ },
  },
];

/** Every case by file name, with its refusal. */
export const CORPUS: ReadonlyMap<string, Refusal> = new Map([
  ...Object.entries(STATIC_REFUSALS),
  ...GENERATED.map(({ name, refusal }) => [name, refusal] as const),
]);

/**
 * Writes the whole corpus into `catalogDir` (the static files copied, the generated ones made)
 * and the secret into `outsideDir`, which must not be inside the catalog.
 */
export async function writeCorpus(catalogDir: string, outsideDir: string): Promise<void> {
  await mkdir(catalogDir, { recursive: true });
  await mkdir(outsideDir, { recursive: true });
  await writeFile(join(outsideDir, 'secret.yml'), `${OUTSIDE_SECRET}: ${OUTSIDE_SECRET}\napp:\n  id: stolen\n`);
  const present = new Set(await readdir(STATIC_DIR));
  for (const name of Object.keys(STATIC_REFUSALS)) {
    if (!present.has(name)) throw new Error(`corpus file ${name} is missing from ${STATIC_DIR}`);
    await cp(join(STATIC_DIR, name), join(catalogDir, name));
  }
  for (const { name, write } of GENERATED) await write(join(catalogDir, name), outsideDir);
}

/** Whether `errors` (of any file) hold the refusal `refusal` of `file`. */
export function refusedAsExpected(
  errors: ReadonlyArray<{ file: string; path: string; line?: number; message: string }>,
  file: string,
  refusal: Refusal,
): boolean {
  return errors.some(
    (error) =>
      error.file === file &&
      (typeof refusal.path === 'string'
        ? error.path === refusal.path
        : error.path === '' && error.line === refusal.path.line) &&
      (typeof refusal.reason === 'string'
        ? error.message.includes(refusal.reason)
        : refusal.reason.test(error.message)),
  );
}

/** The same bytes on every run: a corpus case must not change from one run to the next. */
function pseudoRandomBytes(length: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = 0x9e3779b9;
  for (let i = 0; i < length; i += 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  return bytes;
}
