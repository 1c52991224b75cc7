import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { register } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';

// Run by test/cli/daemon-main-thread.test.ts in a process of its own: loads the
// daemon's entry, then reads what the daemon reads at boot (the catalog, a policy file,
// desired.json, a journal line), and prints which modules of zod and yaml this (main) thread
// loaded, with what it read, as one JSON line.

const loaded: string[] = [];
const { port1, port2 } = new MessageChannel();
port1.on('message', (url: string) => loaded.push(url));
port1.unref();
register(new URL('./record-loads.mjs', import.meta.url), { data: { port: port2 }, transferList: [port2] });

const root = await mkdtemp(join(tmpdir(), 'podwarden-main-thread-'));
try {
  await import('../../../src/cli/run-daemon.js');
  const { loadCatalog } = await import('../../../src/manifest/catalog.js');
  const { loadPolicy } = await import('../../../src/policy/load-policy.js');
  const { createDesiredStore } = await import('../../../src/state/desired-store.js');
  const { parseJournalText } = await import('../../../src/journal/journal-file.js');

  const catalog = await loadCatalog(new URL('../../../examples/catalog', import.meta.url).pathname);
  const policyFile = join(root, 'policy.yml');
  await writeFile(policyFile, 'apps:\n  bitcoind:\n    capAdd: [CAP_NET_ADMIN]\n');
  await chmod(policyFile, 0o600);
  const policy = await loadPolicy(policyFile, { catalogDir: join(root, 'catalog') });
  const store = createDesiredStore(join(root, 'state'));
  await store.save({ version: 1, apps: { bitcoind: { desired: 'running', installedAt: '2024-05-01T12:00:00.000Z' } } });
  const desired = await createDesiredStore(join(root, 'state')).load();
  const refused = await store.save({ version: 1, apps: { BAD: { desired: 'running', installedAt: 'now' } } }).then(
    () => 'saved',
    (error: Error) => error.message,
  );
  const journal = parseJournalText('{"type":"command","seq":1,"at":1,"appId":"bitcoind","command":"install"}\n');
  // Let the hooks' last messages arrive.
  await new Promise((resolve) => setTimeout(resolve, 50));

  const fromPackage = (name: string) => loaded.filter((url) => url.includes(`/node_modules/${name}/`));
  console.log(
    JSON.stringify({
      apps: [...catalog.apps.keys()].sort(),
      catalogErrors: catalog.errors.map(String),
      policy: policy.apps,
      desired,
      refused,
      journal: journal.records,
      modulesSeen: loaded.length,
      zod: fromPackage('zod'),
      yaml: fromPackage('yaml'),
      zodGlobal: '__zod_globalConfig' in globalThis,
    }),
  );
} finally {
  await rm(root, { recursive: true, force: true });
}
