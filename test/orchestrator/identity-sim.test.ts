import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { until } from '../support/until.js';
import { createSimDaemon, image, useSimDaemons, type SimDaemon } from './sim-daemon.js';

useSimDaemons();

async function desiredJson(daemon: SimDaemon): Promise<{ apps: Record<string, { manifestFile?: string }> }> {
  return JSON.parse(await readFile(join(daemon.catalogDir, '..', 'state', 'desired.json'), 'utf8'));
}

async function running(daemon: SimDaemon, appId: string): Promise<string> {
  await until(`${appId} running`, async () => {
    await daemon.advance(100);
    return daemon.state(appId) === 'running';
  });
  return daemon.containerId(appId)!;
}

/** A manifest of `id` in another file, running another image: what an impostor ships. */
async function impostor(daemon: SimDaemon, name: string, id = 'web'): Promise<void> {
  await writeFile(
    join(daemon.catalogDir, name),
    stringify({ app: { id, name: 'Impostor', version: '6.6.6', container: { image: image('crasher') } } }),
  );
}

describe('an installed app is bound to the file it was installed from', () => {
  it('records the file; another file claiming the id is an error naming both and changes nothing', async () => {
    const daemon = await createSimDaemon({ web: { image: image('httpd') } });
    await daemon.orchestrator.install('web');
    const id = await running(daemon, 'web');
    expect((await desiredJson(daemon)).apps.web!.manifestFile).toBe('web.yml');

    // Sorts before web.yml: name order used to decide which file spoke for the app.
    await impostor(daemon, 'aaa-web.yml');
    const creates = daemon.engine.control.calls.create;
    const errors = (await daemon.orchestrator.reloadCatalog()).map(String);
    expect(errors).toEqual([
      `${join(daemon.catalogDir, 'aaa-web.yml')}: app.id: "web" is installed from ${join(daemon.catalogDir, 'web.yml')}; this file claims the same app and is ignored (to run web from this file instead: podwarden move web aaa-web.yml)`,
    ]);
    await daemon.orchestrator.reconcileNow();
    expect(daemon.containerId('web')).toBe(id);
    expect(daemon.engine.control.calls.create).toBe(creates);
    expect(daemon.orchestrator.catalog().find((app) => app.appId === 'web')?.file).toBe(
      join(daemon.catalogDir, 'web.yml'),
    );
  });

  it('keeps the binding when its own file goes bad: the other file still does not take its place', async () => {
    const daemon = await createSimDaemon({ web: { image: image('httpd') } });
    await daemon.orchestrator.install('web');
    const id = await running(daemon, 'web');
    await writeFile(join(daemon.catalogDir, 'web.yml'), 'app: [');
    await impostor(daemon, 'zzz-web.yml');
    const errors = (await daemon.orchestrator.reloadCatalog()).map(String);
    expect(errors).toContainEqual(
      expect.stringContaining(
        `zzz-web.yml: app.id: "web" is installed from ${join(daemon.catalogDir, 'web.yml')}, which is refused (see its errors); this file does not take its place`,
      ),
    );
    await daemon.orchestrator.reconcileNow();
    expect(daemon.containerId('web')).toBe(id);
  });

  it('moves only when the owner says so, and only to a valid manifest of the app', async () => {
    const daemon = await createSimDaemon({ web: { image: image('httpd') } });
    await daemon.orchestrator.install('web');
    const id = await running(daemon, 'web');

    await writeFile(
      join(daemon.catalogDir, 'broken.yml'),
      stringify({ app: { id: 'web', name: 'W', version: '2', container: { image: image('httpd'), ports: ['80'] } } }),
    );
    await expect(daemon.orchestrator.moveApp('web', 'broken.yml')).rejects.toThrow(
      /cannot move "web" to broken.yml: .*broken\.yml: app\.container\.ports\[0\]: expected "HOST:CONTAINER\[\/PROTO\]"/,
    );
    await expect(daemon.orchestrator.moveApp('web', '/elsewhere/web.yml')).rejects.toThrow(/is not in the catalog/);
    expect((await desiredJson(daemon)).apps.web!.manifestFile).toBe('web.yml');

    await writeFile(
      join(daemon.catalogDir, 'web-2.yml'),
      stringify({
        app: { id: 'web', name: 'Web 2', version: '2', container: { image: image('httpd'), env: { V: 2 } } },
      }),
    );
    await daemon.orchestrator.moveApp('web', 'web-2.yml');
    expect((await desiredJson(daemon)).apps.web!.manifestFile).toBe('web-2.yml');
    await until('web recreated from web-2.yml', async () => {
      await daemon.advance(100);
      return daemon.state('web') === 'running' && daemon.containerId('web') !== id;
    });
    expect(daemon.orchestrator.catalog().find((app) => app.appId === 'web')?.version).toBe('2');
  });

  it('binds an app installed before files were recorded to the one file that claims it', async () => {
    const daemon = await createSimDaemon({ web: { image: image('httpd') } });
    await daemon.orchestrator.install('web');
    await running(daemon, 'web');
    const state = join(daemon.catalogDir, '..', 'state', 'desired.json');
    const legacy = await desiredJson(daemon);
    delete legacy.apps.web!.manifestFile;
    await writeFile(state, JSON.stringify(legacy));
    await daemon.restart();
    expect((await desiredJson(daemon)).apps.web!.manifestFile).toBe('web.yml');
  });

  it('an app not installed that several files claim is used from none of them, and install says why', async () => {
    const daemon = await createSimDaemon({ web: { image: image('httpd') } });
    await impostor(daemon, 'aaa-web.yml');
    await daemon.orchestrator.reloadCatalog();
    await expect(daemon.orchestrator.install('web')).rejects.toThrow(
      `cannot install "web": ${join(daemon.catalogDir, 'aaa-web.yml')}: app.id: "web" is also claimed by ${join(daemon.catalogDir, 'web.yml')}`,
    );
  });
});

describe('install of an app whose manifest is refused says why', () => {
  it('names the file, the field and the reason, not "no manifest"', async () => {
    const daemon = await createSimDaemon({ web: { image: image('httpd') } });
    await writeFile(
      join(daemon.catalogDir, 'web.yml'),
      stringify({
        app: { id: 'web', name: 'W', version: '1', container: { image: image('httpd'), capAdd: ['SYS_ADMIN'] } },
      }),
    );
    await daemon.orchestrator.reloadCatalog();
    const error = await daemon.orchestrator.install('web').then(
      () => undefined,
      (caught: unknown) => caught as Error & { code: string },
    );
    expect(error?.message).toBe(
      `cannot install "web": ${join(daemon.catalogDir, 'web.yml')}: app.container.capAdd[0]: asks for the host capability SYS_ADMIN; host access is refused by default and there is no policy file (docs/policy.md) (the owner can add apps.web.capAdd: [SYS_ADMIN])`,
    );
    expect(error?.code).toBe('invalid');
    await expect(daemon.orchestrator.install('no-such-app')).rejects.toThrow('no manifest for "no-such-app"');
    await expect(daemon.orchestrator.install('../etc')).rejects.toThrow('"../etc" is not a valid app id');
  });
});
