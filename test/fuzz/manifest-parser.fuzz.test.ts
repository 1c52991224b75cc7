import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { createManifestParser } from '../../src/manifest/manifest-parser.js';
import { parseManifestBytes } from '../../src/manifest/parse-manifest.js';
import { DEFAULT_MANIFEST_MAX_BYTES, MAX_ERRORS_PER_FILE } from '../../src/manifest/limits.js';
import { manifestFileSchema } from '../../src/manifest/schema.js';
import { fuzz, fuzzSettings } from './fuzz-settings.js';

/**
 * Property-based fuzzing of the manifest reader, through the same parser thread the daemon
 * uses: whatever the bytes, no crash (the thread would stop), no hang (its time limit would
 * refuse the file), errors that name the file and stay short and printable, the same answer
 * on the calling thread, and nothing accepted that the schema itself would refuse.
 */

const FILE = 'fuzz/app.yml';
const parser = createManifestParser();
afterAll(() => parser.close());

const scalar = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(
    'host',
    '/run/podman/podman.sock:/s',
    '../../etc:/x',
    '80:80',
    'SYS_ADMIN',
    '10s',
    '1e400',
    '0x10',
    '__proto__',
  ),
);
const value = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Manifests that are nearly right: every field present may hold anything. */
const nearlyManifest = fc
  .record(
    {
      id: fc.oneof(fc.constantFrom('web', 'bitcoind', 'а', 'x'.repeat(41)), value),
      name: fc.oneof(fc.constant('Web'), value),
      version: fc.oneof(fc.constant('1.0'), value),
      description: value,
      container: fc.oneof(
        fc.record(
          {
            image: fc.oneof(fc.constant('127.0.0.1:5000/podwarden/httpd:1'), value),
            env: value,
            ports: value,
            volumes: value,
            capAdd: value,
            network: value,
            command: value,
            healthcheck: value,
            resources: value,
            build: value,
          },
          { requiredKeys: ['image'] },
        ),
        value,
      ),
      companions: value,
      dependsOn: value,
      files: value,
      probes: value,
    },
    { requiredKeys: ['id', 'name', 'version', 'container'] },
  )
  .map((app) => stringify({ app }));

const id = fc.stringMatching(/^[a-z][a-z0-9-]{0,39}$/);
/** Valid manifests of every shape the schema takes, so acceptance is exercised too. */
const validManifest = fc
  .record(
    {
      id,
      name: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,30}$/),
      version: fc.oneof(
        fc.stringMatching(/^[0-9][0-9.]{0,8}$/),
        fc.nat(),
        fc.constantFrom('0.10', '1.50', '2.0.0-rc1'),
      ),
      description: fc
        .string({ maxLength: 60 })
        .filter((text) => !/[\p{Cc}\p{Cf}\u2028\u2029]/u.test(text.replace(/[\n\t]/g, ''))),
      container: fc.record(
        {
          image: fc.constantFrom('127.0.0.1:5000/podwarden/httpd:1', 'docker.io/library/nginx:1.27', 'busybox'),
          env: fc.dictionary(
            fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,10}$/),
            fc.oneof(
              fc.string({ maxLength: 20 }),
              fc.integer(),
              fc.boolean(),
              fc.double({ noNaN: true, noDefaultInfinity: true }),
            ),
            { maxKeys: 5 },
          ),
          ports: fc
            .uniqueArray(fc.integer({ min: 1, max: 65535 }), { maxLength: 3 })
            .map((ports) => ports.map((port) => `127.0.0.1:${port}:8080`)),
          volumes: fc
            .uniqueArray(fc.stringMatching(/^[a-z]{1,6}$/), { maxLength: 3 })
            .map((names) => names.map((name, i) => (i % 2 === 0 ? `${name}:/v/${name}` : `./${name}:/d/${name}:ro`))),
          command: fc.array(fc.string({ maxLength: 10 }), { minLength: 1, maxLength: 3 }),
          stopTimeout: fc.constantFrom('5s', '1m30s', 10, '500ms'),
          resources: fc.record({
            memory: fc.constantFrom('64m', '1GiB', 10_000_000),
            cpus: fc.constantFrom(0.5, 1, 2),
          }),
        },
        { requiredKeys: ['image'] },
      ),
      dependsOn: fc.uniqueArray(id, { maxLength: 2 }),
      files: fc
        .uniqueArray(fc.stringMatching(/^[a-z]{1,8}\.conf$/), { maxLength: 2 })
        .map((paths) => paths.map((path) => ({ path, template: 'x={{X}}' }))),
    },
    { requiredKeys: ['id', 'name', 'version', 'container'] },
  )
  .filter((app) => !app.dependsOn?.includes(app.id))
  .map((app) => stringify({ app }));

const yamlSoup = fc
  .array(
    fc.constantFrom(
      'app:',
      '\n',
      '  ',
      '- ',
      '[',
      ']',
      '{',
      '}',
      ': ',
      ',',
      '&a ',
      '*a',
      '!!binary ',
      '!tag ',
      '"',
      "'",
      '#',
      '---\n',
      '? ',
      '|',
      '>',
      'id: web',
      'name: x',
      'version: 1',
      'container:',
      'image: a/b:1',
      '\t',
      '\\u202e',
      '\u0000',
      '\ufeff',
    ),
    { maxLength: 80 },
  )
  .map((parts) => parts.join(''));

/** Small edits to a valid manifest: a character inserted, deleted or replaced somewhere. */
const mutated = fc
  .tuple(
    fc.oneof(validManifest, nearlyManifest),
    fc.array(fc.tuple(fc.nat(), fc.nat(2), fc.string({ unit: 'binary', maxLength: 2 })), { maxLength: 6 }),
  )
  .map(([text, edits]) =>
    edits.reduce((out, [at, kind, piece]) => {
      const i = out.length === 0 ? 0 : at % out.length;
      return kind === 0
        ? out.slice(0, i) + piece + out.slice(i)
        : kind === 1
          ? out.slice(0, i) + out.slice(i + 1)
          : out.slice(0, i) + piece + out.slice(i + 1);
    }, text),
  );

const anyInput = fc.oneof(
  validManifest.map((text) => Buffer.from(text)),
  nearlyManifest.map((text) => Buffer.from(text)),
  mutated.map((text) => Buffer.from(text)),
  yamlSoup.map((text) => Buffer.from(text)),
  fc.string({ unit: 'binary', maxLength: 400 }).map((text) => Buffer.from(text)),
  fc.uint8Array({ maxLength: 600 }).map((bytes) => Buffer.from(bytes)),
);

describe('fuzzing the manifest reader', () => {
  it('no crash, no hang, clear errors, nothing accepted the schema refuses', { timeout: 30 * 60_000 }, async () => {
    let accepted = 0;
    await fuzz(
      'manifest reader',
      fc.asyncProperty(anyInput, async (bytes) => {
        const result = await parser.parse(new Uint8Array(bytes), FILE, DEFAULT_MANIFEST_MAX_BYTES);
        const inline = parseManifestBytes(new Uint8Array(bytes), FILE);
        if ('errors' in result) {
          const messages = result.errors.map(String);
          expect(messages.join('\n')).not.toMatch(/manifest reader stopped|took longer than/);
          expect(result.errors.length).toBeGreaterThan(0);
          expect(result.errors.length).toBeLessThanOrEqual(MAX_ERRORS_PER_FILE);
          for (const error of result.errors) {
            expect(error.file).toBe(FILE);
            expect(String(error).length).toBeLessThan(1200);
            expect(String(error)).not.toMatch(
              /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/,
            );
          }
          expect('errors' in inline && inline.errors.map(String)).toEqual(messages);
          return;
        }
        accepted += 1;
        expect('manifest' in inline && inline.manifest).toEqual(result.manifest);
        // Accepted: the schema on the YAML's plain data accepts it too.
        const data: unknown = parseYaml(
          Buffer.from(bytes)
            .toString('utf8')
            .replace(/^\ufeff/, ''),
        );
        expect(manifestFileSchema('fuzz').safeParse(data).success).toBe(true);
      }),
      fuzzSettings(300),
    );
    console.log(`fuzz manifest reader: ${accepted} of the inputs were valid manifests`);
  });
});
