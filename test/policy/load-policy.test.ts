import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findPolicyFile, loadPolicy, PolicyError } from '../../src/policy/load-policy.js';

let root: string;
let catalogDir: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'podwarden-policy-'));
  catalogDir = join(root, 'catalog');
  await mkdir(catalogDir);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function policyFile(text: string, name = join(root, 'policy.yml'), mode = 0o600): Promise<string> {
  await writeFile(name, text);
  await chmod(name, mode);
  return name;
}

async function refusal(file: string): Promise<string> {
  const error = await loadPolicy(file, { catalogDir }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(PolicyError);
  return (error as Error).message;
}

describe('the policy file', () => {
  it('reads rules per app and companion: bind paths (plain or read-only), capabilities, the host network', async () => {
    const file = await policyFile(
      [
        'apps:',
        '  bitcoind:',
        '    bind:',
        '      - /mnt/blockchain/',
        '      - { path: /srv/backups, readOnly: true }',
        '    capAdd: [CAP_NET_ADMIN]',
        '  bitcoind/ui:',
        '    hostNetwork: true',
        '',
      ].join('\n'),
    );
    expect(await loadPolicy(file, { catalogDir })).toEqual({
      file,
      apps: {
        bitcoind: {
          bind: [
            { path: '/mnt/blockchain', readOnly: false },
            { path: '/srv/backups', readOnly: true },
          ],
          capAdd: ['NET_ADMIN'],
          hostNetwork: false,
        },
        'bitcoind/ui': { bind: [], capAdd: [], hostNetwork: true },
      },
    });
  });

  it('an empty file allows nothing', async () => {
    expect(await loadPolicy(await policyFile(''), { catalogDir })).toEqual({
      file: join(root, 'policy.yml'),
      apps: {},
    });
  });

  it('names the field of a mistake', async () => {
    const file = await policyFile('apps:\n  bitcoind:\n    bind: [relative/path]\n    capAd: [X]\n');
    const message = await refusal(file);
    expect(message).toContain(`${file}: `);
    expect(message).toContain('apps.bitcoind.bind[0]: "relative/path" is not an absolute host path without ".."');
    expect(message).toContain('apps.bitcoind.capAd: unknown field "capAd" (did you mean');
  });

  it('is refused inside the catalog, where strangers write', async () => {
    const file = await policyFile('apps: {}\n', join(catalogDir, 'policy.yml'));
    expect(await refusal(file)).toContain('is inside the catalog');
  });

  it('is refused when others than its owner may write it', async () => {
    const file = await policyFile('apps: {}\n', join(root, 'policy.yml'), 0o666);
    expect(await refusal(file)).toContain('can be written by others than its owner');
  });

  it('is refused with a key written twice, naming it', async () => {
    const file = await policyFile('apps:\n  a:\n    hostNetwork: true\n  a:\n    hostNetwork: false\n');
    expect(await refusal(file)).toContain('apps.a is written twice');
  });

  it('is looked for in the state dir, then /etc/podwarden; a named file wins', async () => {
    const stateDir = join(root, 'state');
    await mkdir(stateDir);
    expect(await findPolicyFile(stateDir, join(root, 'mine.yml'))).toBe(join(root, 'mine.yml'));
    await policyFile('apps: {}\n', join(stateDir, 'policy.yml'));
    expect(await findPolicyFile(stateDir)).toBe(join(stateDir, 'policy.yml'));
  });
});
