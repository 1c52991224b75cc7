import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkHostRights } from '../../src/policy/check-policy.js';
import { CONTAINER_FIELDS } from '../../src/policy/host-rights.js';
import { neverAllowed, protectedPaths } from '../../src/policy/never-allowed.js';
import { NO_POLICY, type HostPolicy } from '../../src/policy/policy-schema.js';
import { containerSchema } from '../../src/manifest/schema-container.js';
import { parsed } from '../manifest/parse-helpers.js';

const FILE = 'catalog/bitcoind.yml';
const POLICY = '/etc/podwarden/policy.yml';
const OWN = protectedPaths({
  stateDir: '/var/lib/podwarden',
  dataDir: '/var/lib/podwarden/apps',
  secretsDir: '/var/lib/podwarden/secrets',
  catalogDir: '/srv/catalog',
  policyFile: POLICY,
  engineSocket: '/run/podman/podman.sock',
});

function manifest(container: string, extra = ''): ReturnType<typeof parsed> {
  return parsed(
    `app:\n  id: bitcoind\n  name: B\n  version: "1"\n${extra}  container:\n    image: x/y:1\n${container}`,
    FILE,
  );
}

async function verdict(container: string, policy: HostPolicy = NO_POLICY, extra = '') {
  const result = await checkHostRights(manifest(container, extra), FILE, policy, OWN);
  return { errors: result.errors.map(String), grants: result.grants };
}

function policy(apps: HostPolicy['apps']): HostPolicy {
  return { file: POLICY, apps };
}

const rules = (partial: Partial<HostPolicy['apps'][string]>) => ({
  bind: [],
  capAdd: [],
  hostNetwork: false,
  ...partial,
});

describe('host rights are refused by default', () => {
  it.each([
    [
      'the engine socket',
      '    volumes: ["/run/podman/podman.sock:/var/run/docker.sock"]\n',
      'app.container.volumes[0]',
    ],
    ['a host folder', '    volumes: ["/mnt/blockchain:/data"]\n', 'app.container.volumes[0]'],
    ['a capability', '    capAdd: [SYS_ADMIN]\n', 'app.container.capAdd[0]'],
    ['every capability', '    capAdd: [ALL]\n', 'app.container.capAdd[0]'],
    ['the host network', '    network: host\n', 'app.container.network'],
    ['the host network, in capitals', '    network: HOST\n', 'app.container.network'],
  ])('%s: an error naming the field and the reason', async (_name, container, field) => {
    const { errors, grants } = await verdict(container);
    expect(grants).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^${FILE}: ${field.replace(/[[\]]/g, '\\$&')}: `));
  });

  it('says there is no policy file, and which rule the owner could add', async () => {
    expect((await verdict('    volumes: ["/mnt/blockchain:/data"]\n')).errors).toEqual([
      `${FILE}: app.container.volumes[0]: binds the host path "/mnt/blockchain"; host access is refused by default and there is no policy file (docs/policy.md) (the owner can add apps.bitcoind.bind: [/mnt/blockchain])`,
    ]);
    expect((await verdict('    capAdd: [CAP_NET_ADMIN]\n', policy({}))).errors).toEqual([
      `${FILE}: app.container.capAdd[0]: asks for the host capability NET_ADMIN; host access is refused by default and no rule in ${POLICY} allows it (the owner can add apps.bitcoind.capAdd: [NET_ADMIN])`,
    ]);
  });

  it('asks nothing of an app that reaches only its data dir and named volumes', async () => {
    expect(await verdict('    volumes: ["./data:/data", "db:/db"]\n    tmpfs: [/tmp]\n')).toEqual({
      errors: [],
      grants: [],
    });
  });
});

describe('the owner allows rights per app, naming the rule', () => {
  it('binds below an allowed folder; read-only rules take only :ro mounts', async () => {
    const allowed = policy({
      bitcoind: rules({
        bind: [
          { path: '/mnt/blockchain', readOnly: false },
          { path: '/srv/backups', readOnly: true },
        ],
      }),
    });
    expect(await verdict('    volumes: ["/mnt/blockchain/main:/data", "/srv/backups:/backups:ro"]\n', allowed)).toEqual(
      {
        errors: [],
        grants: [
          {
            container: 'bitcoind',
            right: 'bind /mnt/blockchain/main (read-write)',
            rule: 'apps.bitcoind.bind[0]',
            file: POLICY,
          },
          {
            container: 'bitcoind',
            right: 'bind /srv/backups (read-only)',
            rule: 'apps.bitcoind.bind[1]',
            file: POLICY,
          },
        ],
      },
    );
    expect((await verdict('    volumes: ["/srv/backups:/backups"]\n', allowed)).errors).toEqual([
      `${FILE}: app.container.volumes[0]: binds "/srv/backups" read-write, but apps.bitcoind.bind[1] allows /srv/backups read-only (add ":ro")`,
    ]);
    // /mnt/blockchain-old is not below /mnt/blockchain.
    expect((await verdict('    volumes: ["/mnt/blockchain-old:/data"]\n', allowed)).errors).toHaveLength(1);
  });

  it('capabilities (CAP_ or not, ALL allows any) and the host network', async () => {
    const allowed = policy({ bitcoind: rules({ capAdd: ['NET_ADMIN'], hostNetwork: true }) });
    const { errors, grants } = await verdict('    capAdd: [CAP_NET_ADMIN, NET_RAW]\n    network: host\n', allowed);
    expect(grants.map((grant) => `${grant.right} by ${grant.rule}`)).toEqual([
      'capability NET_ADMIN by apps.bitcoind.capAdd[0]',
      'the host network by apps.bitcoind.hostNetwork',
    ]);
    expect(errors).toEqual([expect.stringContaining('app.container.capAdd[1]: asks for the host capability NET_RAW')]);
    expect(
      (await verdict('    capAdd: [SYS_ADMIN]\n', policy({ bitcoind: rules({ capAdd: ['ALL'] }) }))).grants[0]!.rule,
    ).toBe('apps.bitcoind.capAdd[0]');
  });

  it("a companion gets none of its app's rights: the policy names it bitcoind/ui", async () => {
    const companion =
      '  companions:\n    - id: ui\n      container:\n        image: x/ui:1\n        capAdd: [NET_ADMIN]\n';
    const appOnly = policy({ bitcoind: rules({ capAdd: ['NET_ADMIN'] }) });
    expect((await verdict('', appOnly, companion)).errors).toEqual([
      expect.stringContaining(
        `${FILE}: app.companions[0].container.capAdd[0]: asks for the host capability NET_ADMIN;`,
      ),
    ]);
    expect((await verdict('', policy({ 'bitcoind/ui': rules({ capAdd: ['NET_ADMIN'] }) }), companion)).grants).toEqual([
      { container: 'bitcoind/ui', right: 'capability NET_ADMIN', rule: 'apps.bitcoind/ui.capAdd[0]', file: POLICY },
    ]);
  });
});

describe('paths no policy can allow', () => {
  const everything = policy({ bitcoind: rules({ bind: [{ path: '/', readOnly: false }] }) });

  it.each([
    ['/', "it is the host's root"],
    ['/run/podman/podman.sock', "it is the container engine's socket"],
    ['/var/run/docker.sock', "it is the container engine's socket"],
    ['/run', 'it holds /run/podman/podman.sock'],
    ['/run/user/1000/podman/podman.sock', "user's container engine socket"],
    ['/var/lib/podwarden', "it is podwarden's state dir"],
    ['/var/lib', 'it holds /var/lib/containers'],
    ['/var/lib/podwarden/apps/electrs', "it is inside /var/lib/podwarden, podwarden's state dir"],
    ['/srv/catalog/x', 'it is inside /srv/catalog, the catalog'],
    ['/etc', 'it holds /etc/containers'],
    ['/etc/podwarden', `it holds ${POLICY}`],
    ['/proc/sysrq-trigger', 'it is inside /proc'],
    ['/var/lib/containers/storage', "podman's storage"],
  ])('%s, whatever the policy says', async (source, why) => {
    expect(neverAllowed(source, OWN)).toContain(why);
    const { errors } = await verdict(`    volumes: ["${source === '/' ? '/' : source}:/x"]\n`, everything);
    expect(errors).toEqual([expect.stringContaining(`binds the host path "${source}", which no policy can allow: `)]);
    expect(errors[0]).toContain(why);
  });

  it('follows links: a path that leads to a protected one is refused too', async () => {
    const root = await mkdtemp(join(tmpdir(), 'podwarden-policy-'));
    try {
      await symlink('/proc', join(root, 'innocent'));
      await mkdir(join(root, 'real'));
      await symlink(join(root, 'real'), join(root, 'allowed'));
      const { errors } = await verdict(`    volumes: ["${root}/innocent:/x"]\n`, everything);
      expect(errors).toEqual([
        expect.stringMatching(/which no policy can allow: it is the kernel's process interface \(where it leads\)$/),
      ]);
      // A link from an allowed folder to another one is not inside what the rule allows.
      await symlink('/usr', join(root, 'real', 'escape'));
      const confined = policy({ bitcoind: rules({ bind: [{ path: join(root, 'allowed'), readOnly: false }] }) });
      expect((await verdict(`    volumes: ["${root}/allowed/escape:/x"]\n`, confined)).errors).toEqual([
        expect.stringContaining(
          `leads through a symbolic link outside ${root}/allowed, which apps.bitcoind.bind[0] allows`,
        ),
      ]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('every container field is placed: host-reaching or confined', () => {
  it('a field the schema grows must be classified before it can ship', () => {
    const classified = [...CONTAINER_FIELDS.hostReaching, ...CONTAINER_FIELDS.confined].sort();
    expect(Object.keys(containerSchema.shape).sort()).toEqual(classified);
  });
});
