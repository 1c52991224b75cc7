import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/manifest/parse-manifest.js';
import type { AppManifest } from '../../src/manifest/schema.js';
import { isImageReference, parsePortString, parseVolumeString } from '../../src/manifest/field-formats.js';

const FILE = 'catalog/electrs.yml';

/** A valid manifest as YAML, with `container` fields merged in (undefined deletes one). */
function manifestYaml(container: Record<string, unknown> = {}, app: Record<string, unknown> = {}): string {
  const merged: Record<string, unknown> = { image: '127.0.0.1:5000/podwarden/httpd:1', ...container };
  for (const [key, value] of Object.entries(merged)) if (value === undefined) delete merged[key];
  const appFields: Record<string, unknown> = {
    id: 'electrs',
    name: 'Electrs',
    version: '0.10.5',
    ...app,
    container: merged,
  };
  for (const [key, value] of Object.entries(appFields)) if (value === undefined) delete appFields[key];
  return stringify({ app: appFields });
}

function parse(text: string, file = FILE): AppManifest {
  const result = parseManifest(text, file);
  if ('errors' in result) throw new Error(`expected a valid manifest, got:\n${result.errors.join('\n')}`);
  return result.manifest;
}

function errors(text: string, file = FILE): string[] {
  const result = parseManifest(text, file);
  if ('manifest' in result) throw new Error('expected errors, the manifest was accepted');
  return result.errors.map(String);
}

describe('a valid manifest', () => {
  it('is parsed and normalised', () => {
    const manifest = parse(`app:
  id: electrs
  name: Electrs
  version: "0.10.5"
  description: Electrum server
  container:
    image: 127.0.0.1:5000/podwarden/httpd:1
    pullPolicy: always
    command: [sh, -c, "exec httpd"]
    entrypoint: [/bin/sh]
    env: { APP_NAME: Electrs, PORT: 50001, DEBUG: false }
    ports: ["8080:80", "127.0.0.1:50001:50001/tcp", { host: 8081, container: 81, protocol: udp, hostIp: 127.0.0.1 }]
    volumes: ["data:/data", "./conf:/etc/app:ro", "/srv/bitcoin:/bitcoin:rw"]
    tmpfs: [/tmp]
    network: bridge
    user: "1000:1000"
    capAdd: [NET_ADMIN]
    stopTimeout: 1m30s
    healthcheck: { test: [CMD-SHELL, "true"], interval: 30s, timeout: 5s, retries: 2, startPeriod: 500ms }
`);
    expect(manifest).toEqual({
      id: 'electrs',
      name: 'Electrs',
      version: '0.10.5',
      description: 'Electrum server',
      container: {
        image: '127.0.0.1:5000/podwarden/httpd:1',
        pullPolicy: 'always',
        command: ['sh', '-c', 'exec httpd'],
        entrypoint: ['/bin/sh'],
        env: { APP_NAME: 'Electrs', PORT: '50001', DEBUG: 'false' },
        ports: [
          { hostPort: 8080, containerPort: 80, protocol: 'tcp' },
          { hostIp: '127.0.0.1', hostPort: 50001, containerPort: 50001, protocol: 'tcp' },
          { hostIp: '127.0.0.1', hostPort: 8081, containerPort: 81, protocol: 'udp' },
        ],
        volumes: [
          { kind: 'named', source: 'data', target: '/data', readOnly: false },
          { kind: 'app-data', source: 'conf', target: '/etc/app', readOnly: true },
          { kind: 'host', source: '/srv/bitcoin', target: '/bitcoin', readOnly: false },
        ],
        tmpfs: ['/tmp'],
        network: 'bridge',
        user: '1000:1000',
        capAdd: ['NET_ADMIN'],
        stopTimeoutMs: 90_000,
        healthcheck: {
          test: ['CMD-SHELL', 'true'],
          intervalMs: 30_000,
          timeoutMs: 5_000,
          retries: 2,
          startPeriodMs: 500,
        },
      },
      dependsOn: [],
      companions: [],
    });
  });

  it('fills in defaults', () => {
    const { container } = parse(manifestYaml());
    expect(container).toEqual({
      image: '127.0.0.1:5000/podwarden/httpd:1',
      pullPolicy: 'if-not-present',
      env: {},
      ports: [],
      volumes: [],
      tmpfs: [],
      capAdd: [],
    });
    const withCheck = parse(manifestYaml({ healthcheck: { test: ['CMD', 'true'] } }));
    expect(withCheck.container.healthcheck).toEqual({
      test: ['CMD', 'true'],
      intervalMs: 30_000,
      timeoutMs: 30_000,
      retries: 3,
      startPeriodMs: 0,
    });
  });

  it('keeps a number version and number env values as written', () => {
    const manifest = parse(`app:
  id: electrs
  name: Electrs
  version: 0.10
  container:
    image: 127.0.0.1:5000/podwarden/httpd:1
    env:
      RATIO: 1.50
      COUNT: 007
      ON: true
`);
    expect(manifest.version).toBe('0.10');
    expect(manifest.container.env).toEqual({ RATIO: '1.50', COUNT: '007', ON: 'true' });
    expect(parse(manifestYaml({}, { version: 2 })).version).toBe('2');
  });

  it('accepts a build instead of an image, with the context relative to the manifest file', () => {
    const manifest = parse(
      manifestYaml({ image: undefined, build: { context: './electrs' } }),
      '/srv/catalog/electrs.yml',
    );
    expect(manifest.container.build).toEqual({
      context: '/srv/catalog/electrs',
      tag: 'localhost/podwarden-build/electrs:0.10.5',
    });
    expect(manifest.container.image).toBe('localhost/podwarden-build/electrs:0.10.5');

    const tagged = parse(
      manifestYaml(
        {
          image: undefined,
          build: { context: 'src', containerfile: 'Dockerfile.node', tag: 'localhost/mine/electrs:dev' },
        },
        { version: '1.0.0+rc1' },
      ),
      '/srv/catalog/electrs.yml',
    );
    expect(tagged.container.build).toEqual({
      context: '/srv/catalog/src',
      containerfile: 'Dockerfile.node',
      tag: 'localhost/mine/electrs:dev',
    });
    expect(tagged.container.image).toBe('localhost/mine/electrs:dev');

    const plusVersion = parse(
      manifestYaml({ image: undefined, build: { context: '.' } }, { version: '1.0.0+rc1' }),
      '/c/x.yml',
    );
    expect(plusVersion.container.image).toBe('localhost/podwarden-build/electrs:1.0.0-rc1');
  });

  it('accepts the numeric user form and the usual image references', () => {
    expect(parse(manifestYaml({ user: 1000 })).container.user).toBe('1000');
    for (const ref of [
      'nginx',
      'docker.io/library/nginx:1.27',
      'localhost/podwarden-build/electrs:0.10.5',
      '127.0.0.1:5000/podwarden/httpd:1',
      'ghcr.io/owner/my_app__x-y:v1.2.3-rc.1',
      `nginx@sha256:${'a'.repeat(64)}`,
    ]) {
      expect(isImageReference(ref), ref).toBe(true);
    }
    for (const ref of ['', 'library/UPPER', 'nginx:', 'has space', 'a//b', ':tag', 'nginx:-bad']) {
      expect(isImageReference(ref), ref).toBe(false);
    }
  });
});

describe('error messages name the file, the field and the problem', () => {
  it.each<[string, string, string]>([
    ['app id with capitals', manifestYaml({}, { id: 'Electrs' }), `${FILE}: app.id: "Electrs" is not a valid app id`],
    ['app id too long', manifestYaml({}, { id: `a${'b'.repeat(40)}` }), `${FILE}: app.id: "abbbb`],
    ['app id starting with a digit', manifestYaml({}, { id: '1ml' }), `${FILE}: app.id: "1ml" is not a valid app id`],
    ['missing id', manifestYaml({}, { id: undefined }), `${FILE}: app.id: is required`],
    ['missing name', manifestYaml({}, { name: undefined }), `${FILE}: app.name: is required`],
    ['empty name', manifestYaml({}, { name: '  ' }), `${FILE}: app.name: name must not be empty`],
    ['missing version', manifestYaml({}, { version: undefined }), `${FILE}: app.version: is required`],
    ['bad version', manifestYaml({}, { version: '1 2' }), `${FILE}: app.version: "1 2" is not a valid version`],
    [
      'list version',
      manifestYaml({}, { version: [1] }),
      `${FILE}: app.version: expected a version like "1.2.3", got a list`,
    ],
    [
      'description not text',
      manifestYaml({}, { description: 3 }),
      `${FILE}: app.description: expected a string, got 3`,
    ],
    [
      'missing container',
      manifestYaml({}, { container: undefined }).replace(/\n {2}container:[\s\S]*$/, '\n'),
      `${FILE}: app.container: is required`,
    ],
    [
      'image and a build with another tag',
      manifestYaml({ build: { context: '.', tag: 'other/app:2' } }),
      `${FILE}: app.container.build.tag: with both "image" and "build", the build is tagged as the image`,
    ],
    [
      'neither image nor build',
      manifestYaml({ image: undefined }),
      `${FILE}: app.container: one of "image" or "build" is required, found neither`,
    ],
    [
      'absolute rendered file path',
      manifestYaml(
        {},
        {
          files: [
            { path: 'ok.conf', template: 'x' },
            { path: '/etc/passwd', template: 'x' },
          ],
        },
      ),
      `${FILE}: app.files[1].path: "/etc/passwd" is an absolute path`,
    ],
    [
      'rendered file path climbing out',
      manifestYaml({}, { files: [{ path: 'conf/../../x', template: 'x' }] }),
      `${FILE}: app.files[0].path: "conf/../../x" contains ".."`,
    ],
    [
      'rendered file with two templates',
      manifestYaml({}, { files: [{ path: 'a', template: 'x', templateFile: 'a.tpl' }] }),
      `${FILE}: app.files[0]: exactly one of "template" or "templateFile" is required, found both`,
    ],
    [
      'rendered file twice',
      manifestYaml(
        {},
        {
          files: [
            { path: 'a', template: 'x' },
            { path: './a', template: 'y' },
          ],
        },
      ),
      `${FILE}: app.files[1].path: a is already rendered by files[0]`,
    ],
    [
      'bad file mode',
      manifestYaml({}, { files: [{ path: 'a', template: 'x', mode: '999' }] }),
      `${FILE}: app.files[0].mode: "999" is not a file mode`,
    ],
    [
      'unknown rendered file field',
      manifestYaml({}, { files: [{ path: 'a', template: 'x', contents: 'y' }] }),
      `${FILE}: app.files[0].contents: unknown field "contents"`,
    ],
    [
      'absolute values file',
      manifestYaml({}, { values: '/etc/secrets.env' }),
      `${FILE}: app.values: "/etc/secrets.env" is an absolute path; values must be relative to podwarden's secrets directory`,
    ],
    [
      'bad disk requirement',
      manifestYaml({}, { requirements: { disk: 'lots' } }),
      `${FILE}: app.requirements.disk: invalid size "lots"`,
    ],
    [
      'disk requirement of the wrong type',
      manifestYaml({}, { requirements: { disk: true } }),
      `${FILE}: app.requirements.disk: expected a size like "2GiB", "500MiB" or a number of bytes`,
    ],
    [
      'bad image',
      manifestYaml({ image: 'Not An Image' }),
      `${FILE}: app.container.image: "Not An Image" is not a valid image reference`,
    ],
    [
      'build without context',
      manifestYaml({ image: undefined, build: { containerfile: 'Containerfile' } }),
      `${FILE}: app.container.build.context: is required`,
    ],
    [
      'build with bad tag',
      manifestYaml({ image: undefined, build: { context: '.', tag: 'A B' } }),
      `${FILE}: app.container.build.tag: "A B" is not a valid image tag`,
    ],
    [
      'unknown build field',
      manifestYaml({ image: undefined, build: { context: '.', dockerfile: 'x' } }),
      `${FILE}: app.container.build.dockerfile: unknown field "dockerfile"`,
    ],
    [
      'bad pull policy',
      manifestYaml({ pullPolicy: 'sometimes' }),
      `${FILE}: app.container.pullPolicy: expected "always", "if-not-present" or "never", got "sometimes"`,
    ],
    [
      'command as a string',
      manifestYaml({ command: 'sh -c "exec httpd"' }),
      `${FILE}: app.container.command: expected a list of strings, got a single string; write it as a list, e.g. command: [sh, -c, "..."]`,
    ],
    [
      'entrypoint as a string',
      manifestYaml({ entrypoint: '/bin/sh' }),
      `${FILE}: app.container.entrypoint: expected a list of strings, got a single string`,
    ],
    [
      'command with a number',
      manifestYaml({ command: ['sleep', 5] }),
      `${FILE}: app.container.command[1]: expected a string, got 5`,
    ],
    [
      'empty command',
      manifestYaml({ command: [] }),
      `${FILE}: app.container.command: command must not be an empty list`,
    ],
    ['env as a list', manifestYaml({ env: ['A=1'] }), `${FILE}: app.container.env: expected a mapping, got a list`],
    [
      'env key with a dash',
      manifestYaml({ env: { 'RPC-USER': 'x' } }),
      `${FILE}: app.container.env["RPC-USER"]: invalid environment variable name "RPC-USER"`,
    ],
    [
      'env key starting with a digit',
      manifestYaml({ env: { '1A': 'x' } }),
      `${FILE}: app.container.env["1A"]: invalid environment variable name "1A"`,
    ],
    [
      'env value that is a list',
      manifestYaml({ env: { HOSTS: ['a', 'b'] } }),
      `${FILE}: app.container.env.HOSTS: expected a string, number or boolean, got a list`,
    ],
    [
      'env value left empty',
      manifestYaml({ env: { EMPTY: null } }),
      `${FILE}: app.container.env.EMPTY: expected a string, number or boolean, got an empty value`,
    ],
    [
      'port without a host side',
      manifestYaml({ ports: ['80'] }),
      `${FILE}: app.container.ports[0]: expected "HOST:CONTAINER[/PROTO]", got "80"`,
    ],
    [
      'port out of range',
      manifestYaml({ ports: ['8080:80', '70000:80'] }),
      `${FILE}: app.container.ports[1]: port numbers must be between 1 and 65535, got "70000:80"`,
    ],
    [
      'port zero',
      manifestYaml({ ports: ['0:80'] }),
      `${FILE}: app.container.ports[0]: port numbers must be between 1 and 65535`,
    ],
    [
      'port with letters',
      manifestYaml({ ports: ['http:80'] }),
      `${FILE}: app.container.ports[0]: expected "HOST:CONTAINER[/PROTO]", got "http:80"`,
    ],
    [
      'port with sctp',
      manifestYaml({ ports: ['80:80/sctp'] }),
      `${FILE}: app.container.ports[0]: protocol "sctp" is not supported in "80:80/sctp" (use tcp or udp)`,
    ],
    [
      'port range',
      manifestYaml({ ports: ['8000-8010:8000-8010'] }),
      `${FILE}: app.container.ports[0]: port ranges are not supported`,
    ],
    [
      'port with a bad IP',
      manifestYaml({ ports: ['localhost:80:80'] }),
      `${FILE}: app.container.ports[0]: "localhost" is not an IP address in "localhost:80:80"`,
    ],
    [
      'port as a number',
      manifestYaml({ ports: [80] }),
      `${FILE}: app.container.ports[0]: expected a string or a mapping, got 80`,
    ],
    [
      'port object out of range',
      manifestYaml({ ports: [{ host: 65536, container: 80 }] }),
      `${FILE}: app.container.ports[0].host: a port must be between 1 and 65535, got 65536`,
    ],
    [
      'port object without container',
      manifestYaml({ ports: [{ host: 8080 }] }),
      `${FILE}: app.container.ports[0].container: is required`,
    ],
    [
      'port object with a fraction',
      manifestYaml({ ports: [{ host: 80.5, container: 80 }] }),
      `${FILE}: app.container.ports[0].host: a port must be a whole number, got 80.5`,
    ],
    [
      'port object with a bad protocol',
      manifestYaml({ ports: [{ host: 80, container: 80, protocol: 'sctp' }] }),
      `${FILE}: app.container.ports[0].protocol: protocol must be "tcp" or "udp"`,
    ],
    [
      'port object with a bad IP',
      manifestYaml({ ports: [{ host: 80, container: 80, hostIp: 'lan' }] }),
      `${FILE}: app.container.ports[0].hostIp: hostIp must be an IPv4 or IPv6 address`,
    ],
    [
      'port object with an unknown field',
      manifestYaml({ ports: [{ host: 80, container: 80, proto: 'tcp' }] }),
      `${FILE}: app.container.ports[0].proto: unknown field "proto" (did you mean "protocol"?)`,
    ],
    [
      'port published twice',
      manifestYaml({ ports: ['8080:80', '127.0.0.1:8080:81'] }),
      `${FILE}: app.container.ports[1]: host port 8080/tcp is already published by ports[0]`,
    ],
    [
      'ports on the host network',
      manifestYaml({ network: 'host', ports: ['8080:80'] }),
      `${FILE}: app.container.ports: ports cannot be published with network: host`,
    ],
    [
      'volume without a target',
      manifestYaml({ volumes: ['data'] }),
      `${FILE}: app.container.volumes[0]: expected "SOURCE:TARGET[:ro|rw]", got "data"`,
    ],
    [
      'volume escaping the data dir',
      manifestYaml({ volumes: ['../etc:/data'] }),
      `${FILE}: app.container.volumes[0]: "../etc" points outside the app's data directory`,
    ],
    [
      'volume escaping the data dir after a detour',
      manifestYaml({ volumes: ['./a/../../etc:/data'] }),
      `${FILE}: app.container.volumes[0]: "./a/../../etc" points outside the app's data directory`,
    ],
    [
      'volume with a bare relative path',
      manifestYaml({ volumes: ['conf/app:/etc/app'] }),
      `${FILE}: app.container.volumes[0]: relative path "conf/app" must start with "./"`,
    ],
    [
      'volume with a relative target',
      manifestYaml({ volumes: ['data:data'] }),
      `${FILE}: app.container.volumes[0]: target "data" must be an absolute path in the container`,
    ],
    [
      'volume over the root',
      manifestYaml({ volumes: ['data:/'] }),
      `${FILE}: app.container.volumes[0]: cannot mount over the container's root "/"`,
    ],
    [
      'volume with an unknown option',
      manifestYaml({ volumes: ['data:/data:z'] }),
      `${FILE}: app.container.volumes[0]: unknown volume option "z" in "data:/data:z" (use ro or rw)`,
    ],
    [
      'volume with a bad name',
      manifestYaml({ volumes: ['my data:/data'] }),
      `${FILE}: app.container.volumes[0]: "my data" is not a valid volume name`,
    ],
    [
      'volume as a mapping',
      manifestYaml({ volumes: [{ source: 'data' }] }),
      `${FILE}: app.container.volumes[0]: expected "SOURCE:TARGET[:ro|rw]", got a mapping`,
    ],
    [
      'two mounts on one target',
      manifestYaml({ volumes: ['data:/data', './other:/data/'] }),
      `${FILE}: app.container.volumes[1]: /data is already mounted by volumes[0]`,
    ],
    [
      'tmpfs on a mounted target',
      manifestYaml({ volumes: ['data:/tmp'], tmpfs: ['/tmp'] }),
      `${FILE}: app.container.tmpfs[0]: /tmp is already mounted by volumes[0]`,
    ],
    [
      'relative tmpfs',
      manifestYaml({ tmpfs: ['tmp'] }),
      `${FILE}: app.container.tmpfs[0]: target "tmp" must be an absolute path in the container`,
    ],
    [
      'bad network name',
      manifestYaml({ network: 'container:other' }),
      `${FILE}: app.container.network: "container:other" is not a valid network name`,
    ],
    ['bad user', manifestYaml({ user: 'root user' }), `${FILE}: app.container.user: "root user" is not a valid user`],
    [
      'bad capability',
      manifestYaml({ capAdd: ['net_admin'] }),
      `${FILE}: app.container.capAdd[0]: "net_admin" is not a capability name`,
    ],
    [
      'bad stop timeout',
      manifestYaml({ stopTimeout: '10 seconds' }),
      `${FILE}: app.container.stopTimeout: invalid duration "10 seconds"`,
    ],
    [
      'stop timeout of the wrong type',
      manifestYaml({ stopTimeout: ['10s'] }),
      `${FILE}: app.container.stopTimeout: expected a duration like "10s", "500ms", "1m30s" or a number of seconds`,
    ],
    [
      'healthcheck without test',
      manifestYaml({ healthcheck: { interval: '5s' } }),
      `${FILE}: app.container.healthcheck.test: is required`,
    ],
    [
      'healthcheck test as a string',
      manifestYaml({ healthcheck: { test: 'curl localhost' } }),
      `${FILE}: app.container.healthcheck.test: expected a list of strings, got a single string`,
    ],
    [
      'healthcheck test without CMD',
      manifestYaml({ healthcheck: { test: ['curl', 'localhost'] } }),
      `${FILE}: app.container.healthcheck.test: test must start with CMD`,
    ],
    [
      'healthcheck CMD-SHELL with two commands',
      manifestYaml({ healthcheck: { test: ['CMD-SHELL', 'a', 'b'] } }),
      `${FILE}: app.container.healthcheck.test: a CMD-SHELL test takes exactly one shell command`,
    ],
    [
      'healthcheck zero interval',
      manifestYaml({ healthcheck: { test: ['CMD', 'true'], interval: '0s' } }),
      `${FILE}: app.container.healthcheck.interval: interval must be longer than 0`,
    ],
    [
      'healthcheck bad timeout',
      manifestYaml({ healthcheck: { test: ['CMD', 'true'], timeout: 'soon' } }),
      `${FILE}: app.container.healthcheck.timeout: invalid duration "soon"`,
    ],
    [
      'healthcheck zero retries',
      manifestYaml({ healthcheck: { test: ['CMD', 'true'], retries: 0 } }),
      `${FILE}: app.container.healthcheck.retries: retries must be at least 1, got 0`,
    ],
    [
      'healthcheck unknown field',
      manifestYaml({ healthcheck: { test: ['CMD', 'true'], intervall: '5s' } }),
      `${FILE}: app.container.healthcheck.intervall: unknown field "intervall" (did you mean "interval"?)`,
    ],
    [
      'unknown container field',
      manifestYaml({ restart: 'always' }),
      `${FILE}: app.container.restart: unknown field "restart"`,
    ],
    [
      'misspelt container field',
      manifestYaml({ volume: ['data:/data'] }),
      `${FILE}: app.container.volume: unknown field "volume" (did you mean "volumes"?)`,
    ],
    [
      'unknown app field',
      manifestYaml({}, { homepage: 'https://example.org' }),
      `${FILE}: app.homepage: unknown field "homepage"`,
    ],
  ])('%s', (_name, text, expected) => {
    const found = errors(text);
    expect(
      found.some((line) => line.startsWith(expected)),
      `wanted a line starting with:\n  ${expected}\ngot:\n  ${found.join('\n  ')}`,
    ).toBe(true);
  });

  it('reports every problem of a file at once', () => {
    const found = errors(manifestYaml({ ports: ['80'], volumes: ['../x:/x'], pullPolicy: 'sometimes' }, { id: 'X' }));
    expect(found).toHaveLength(4);
  });

  it('refuses unknown top-level keys and a missing app', () => {
    expect(errors(`app:\n  id: a\n  name: A\n  version: "1"\n  container: { image: nginx }\nextra: 1\n`)).toEqual([
      `${FILE}: extra: unknown field "extra"`,
    ]);
    expect(errors('apps:\n  id: a\n')).toEqual([
      `${FILE}: app: is required`,
      `${FILE}: apps: unknown field "apps" (did you mean "app"?)`,
    ]);
  });

  it('refuses a file that is not a mapping, or empty', () => {
    expect(errors('- app\n')).toEqual([
      `${FILE}: line 1, column 1: a manifest must be a mapping with an "app" key at the top, got a list`,
    ]);
    expect(errors('just text\n')[0]).toContain(
      'a manifest must be a mapping with an "app" key at the top, got "just text"',
    );
    expect(errors('')).toEqual([`${FILE}: the file is empty; a manifest starts with "app:"`]);
    expect(errors('# only a comment\n')).toEqual([`${FILE}: the file is empty; a manifest starts with "app:"`]);
  });

  it('names the file and line of a YAML syntax error', () => {
    expect(errors('app:\n  id: a\n\tname: x\n')).toEqual([
      `${FILE}: line 3, column 1: Tabs are not allowed as indentation`,
    ]);
    expect(errors('app:\n  id: a\n  name: x: y\n')).toEqual([
      `${FILE}: line 3, column 9: Nested mappings are not allowed in compact mappings`,
    ]);
    // Found at the end of the file: reported on the last written line, not the empty one after it.
    const result = parseManifest('app:\n  id: a\n  name: "unclosed\n', FILE);
    if (!('errors' in result)) throw new Error('expected errors');
    expect(result.errors[0]).toMatchObject({ file: FILE, path: '', line: 3, message: 'Missing closing "quote' });
  });

  it('refuses a key written twice, naming its path and line', () => {
    expect(errors('app:\n  id: a\n  id: b\n')).toEqual([
      `${FILE}: line 3, column 3: app.id is written twice in the same mapping; write each key once`,
    ]);
    expect(errors(manifestYaml({ env: { A: '1' } }).replace('A: "1"', 'A: "1"\n      A: "2"'))).toEqual([
      expect.stringMatching(/^catalog\/electrs\.yml: line \d+, column \d+: app\.container\.env\.A is written twice/),
    ]);
  });

  it('refuses several YAML documents in one file, in its own words', () => {
    const [message] = errors(`${manifestYaml()}---\n${manifestYaml()}`);
    expect(message).toMatch(/^catalog\/electrs\.yml: line \d+, column \d+: the file holds several YAML documents/);
    expect(message).not.toMatch(/parseAllDocuments/);
  });

  it('refuses paths read from the host that are absolute or climb out of the manifest folder', () => {
    expect(errors(manifestYaml({ image: undefined, build: { context: '/etc' } }))).toEqual([
      `${FILE}: app.container.build.context: "/etc" is an absolute path; build.context must be relative to the manifest's folder`,
    ]);
    expect(errors(manifestYaml({ image: undefined, build: { context: 'a/../../x' } }))).toEqual([
      `${FILE}: app.container.build.context: "a/../../x" contains ".."; build.context must stay inside the manifest's folder`,
    ]);
    expect(
      errors(manifestYaml({ image: undefined, build: { context: '.', containerfile: '../Containerfile' } }))[0],
    ).toContain('build.containerfile must stay inside the build context');
    expect(errors(manifestYaml({}, { files: [{ path: 'x', templateFile: '../../../../etc/shadow' }] }))).toEqual([
      `${FILE}: app.files[0].templateFile: "../../../../etc/shadow" contains ".."; templateFile must stay inside the manifest's folder`,
    ]);
  });

  it('points schema errors at their line', () => {
    const result = parseManifest(
      'app:\n  id: electrs\n  name: Electrs\n  version: "1"\n  container:\n    image: nginx\n    ports:\n      - "8080:80"\n      - "80"\n    restrat: no\n',
      FILE,
    );
    if (!('errors' in result)) throw new Error('expected errors');
    expect(result.errors.map((e) => [e.path, e.line])).toEqual([
      ['app.container.ports[1]', 9],
      ['app.container.restrat', 10],
    ]);
  });

  it('never prints env values, even wrong ones', () => {
    const found = errors(manifestYaml({ env: { RPC_PASSWORD: { secret: 'hunter2' }, 'BAD-KEY': 'hunter3' } }));
    expect(found.join('\n')).not.toContain('hunter2');
    expect(found.join('\n')).not.toContain('hunter3');
  });
});

describe('parsePortString', () => {
  it.each<[string, object]>([
    ['8080:80', { hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
    ['8080:80/udp', { hostPort: 8080, containerPort: 80, protocol: 'udp' }],
    ['127.0.0.1:50001:50001/tcp', { hostIp: '127.0.0.1', hostPort: 50001, containerPort: 50001, protocol: 'tcp' }],
    ['[::1]:8080:80', { hostIp: '::1', hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
    ['1:65535', { hostPort: 1, containerPort: 65535, protocol: 'tcp' }],
  ])('reads %j', (text, binding) => {
    expect(parsePortString(text)).toEqual({ ok: true, value: binding });
  });

  it.each(['80', '', ':80', '80:', '1:2:3:4', '[::1:80:80', '[nope]:80:80', '65536:80', '80:0', '-1:80', '8080:80/'])(
    'refuses %j',
    (text) => {
      expect(parsePortString(text).ok).toBe(false);
    },
  );
});

describe('parseVolumeString', () => {
  it.each<[string, object]>([
    ['data:/data', { kind: 'named', source: 'data', target: '/data', readOnly: false }],
    ['data:/data:ro', { kind: 'named', source: 'data', target: '/data', readOnly: true }],
    ['./conf:/etc/app:rw', { kind: 'app-data', source: 'conf', target: '/etc/app', readOnly: false }],
    ['.:/data', { kind: 'app-data', source: '.', target: '/data', readOnly: false }],
    ['./:/data', { kind: 'app-data', source: '.', target: '/data', readOnly: false }],
    ['./a/../b/:/data', { kind: 'app-data', source: 'b', target: '/data', readOnly: false }],
    ['.hidden:/data', { kind: 'app-data', source: '.hidden', target: '/data', readOnly: false }],
    ['/srv/bitcoin/:/data//x/', { kind: 'host', source: '/srv/bitcoin', target: '/data/x', readOnly: false }],
  ])('reads %j', (text, mount) => {
    expect(parseVolumeString(text)).toEqual({ ok: true, value: mount });
  });

  it.each(['..:/x', '../x:/x', './..:/x', './a/../..:/x', './a/../../b:/x'])(
    'refuses %j, which leaves the data directory',
    (text) => {
      const parsed = parseVolumeString(text);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.message).toContain("points outside the app's data directory");
    },
  );
});
