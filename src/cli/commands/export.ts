import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { exportKube, KubeExportError, kubeYaml, type KubeExport } from '../../export/export-kube.js';
import { warningText } from '../../export/export-warning.js';
import { defaultStateDir } from '../../host/host-paths.js';
import { loadCatalog } from '../../manifest/catalog.js';
import { inlineManifestParser } from '../../manifest/manifest-parser.js';
import { findPolicyFile, loadPolicy } from '../../policy/load-policy.js';
import { protectedPaths } from '../../policy/never-allowed.js';
import { NO_POLICY } from '../../policy/policy-types.js';
import { createDesiredStore } from '../../state/desired-store.js';
import { EXIT } from '../client-command.js';
import { manifestMaxBytesOption, policyOption } from '../trust-options.js';

interface ExportKubeOptions {
  catalog: string;
  stateDir: string;
  out?: string;
  all?: boolean;
  pods?: boolean;
  target: 'kubernetes' | 'podman';
  hostPorts: boolean;
  includeSecrets?: boolean;
  helperImage?: string;
  policy?: string;
  socket: string;
  manifestMaxBytes: number;
}

/**
 * `podwarden export kube [APP...]`: the installed apps (or those named, or `--all`) as
 * Kubernetes YAML, read from the catalog and state dir as the daemon reads them (same policy),
 * with no daemon and no engine. Warnings and the commands that fill Secrets go to stderr, so
 * stdout is only YAML.
 */
export const exportCommand = () =>
  new Command('export').description("write the catalog in another system's words (no daemon needed)").addCommand(
    new Command('kube')
      .description(
        'Kubernetes YAML for the installed apps (or those named): a Deployment (or --pods, a Pod) per app, its Service, claims and files',
      )
      .argument('[apps...]', 'the apps to export (default: the installed ones)')
      .addOption(new Option('--catalog <dir>', 'folder of app manifests').env('PODWARDEN_CATALOG').default('catalog'))
      .addOption(
        new Option('--state-dir <dir>', "podwarden's state dir (installed apps, values files, policy)")
          .env('PODWARDEN_STATE_DIR')
          .default(defaultStateDir()),
      )
      .addOption(new Option('--out <file|dir>', 'write there (a folder: one <app>.yml per app) instead of stdout'))
      .addOption(new Option('--all', 'every app of the catalog, installed or not'))
      .addOption(new Option('--pods', 'bare Pods instead of Deployments (what podman kube play handles best)'))
      .addOption(
        new Option(
          '--target <where>',
          'kubernetes, or podman: only what podman kube play (4.3) runs, no init containers',
        )
          .choices(['kubernetes', 'podman'])
          .default('kubernetes'),
      )
      .addOption(
        new Option('--no-host-ports', "do not publish the manifests' ports on the node: leave that to the Services"),
      )
      .addOption(new Option('--include-secrets', 'write the values files into the Secrets (default: placeholders)'))
      .addOption(
        new Option(
          '--helper-image <image>',
          'image of the small init containers (sh, nc, cp, mkdir), default busybox:1.36',
        ),
      )
      .addOption(policyOption())
      .addOption(
        new Option('--socket <path>', "the engine's socket (no app may bind it)")
          .env('PODWARDEN_SOCKET')
          .default('/run/podman/podman.sock'),
      )
      .addOption(manifestMaxBytesOption())
      .action(async (apps: string[], options: ExportKubeOptions) => {
        try {
          await exportKubeAction(apps, options);
        } catch (error) {
          process.stderr.write(`podwarden: ${error instanceof Error ? error.message : String(error)}\n`);
          process.exitCode = EXIT.failure;
        }
      }),
  );

async function exportKubeAction(apps: string[], options: ExportKubeOptions): Promise<void> {
  const { stateDir } = options;
  const desired = await createDesiredStore(stateDir).loadOrMissing();
  const policyFile = await findPolicyFile(stateDir, options.policy);
  const policy = policyFile ? await loadPolicy(policyFile, { catalogDir: options.catalog }) : NO_POLICY;
  const catalog = await loadCatalog(options.catalog, {
    parser: inlineManifestParser,
    maxBytes: options.manifestMaxBytes,
    admission: {
      policy,
      protectedPaths: protectedPaths({
        stateDir,
        dataDir: join(stateDir, 'apps'),
        secretsDir: join(stateDir, 'secrets'),
        catalogDir: options.catalog,
        engineSocket: options.socket,
        ...(policyFile !== undefined ? { policyFile } : {}),
      }),
    },
    bindings: new Map(
      Object.entries(desired?.apps ?? {}).flatMap(([id, app]) => (app.manifestFile ? [[id, app.manifestFile]] : [])),
    ),
  });
  for (const error of catalog.errors) process.stderr.write(`manifest error: ${String(error)}\n`);
  const chosen = apps.length > 0 ? apps : options.all ? [...catalog.apps.keys()] : Object.keys(desired?.apps ?? {});
  if (chosen.length === 0) {
    throw new KubeExportError(
      `no app is installed (${createDesiredStore(stateDir).file}): name the apps to export, or --all for the whole catalog`,
    );
  }
  const result = await exportKube(
    [...catalog.apps.values()].map((entry) => entry.manifest),
    {
      apps: chosen,
      pods: options.pods ?? false,
      target: options.target,
      hostPorts: options.hostPorts,
      includeSecrets: options.includeSecrets ?? false,
      secretsDir: join(stateDir, 'secrets'),
      dataDir: join(stateDir, 'apps'),
      ...(options.helperImage ? { helperImage: options.helperImage } : {}),
    },
  );
  await write(result, options.out);
  for (const warning of result.warnings) process.stderr.write(`warning: ${warningText(warning)}\n`);
  if (result.secretCommands.length > 0) {
    process.stderr.write('fill the Secrets from the files podwarden renders on this host:\n');
    for (const command of result.secretCommands) process.stderr.write(`  ${command}\n`);
  }
}

/** To stdout, one file, or one file per app in a folder (`--out dir/`, or an existing folder). */
async function write(result: KubeExport, out: string | undefined): Promise<void> {
  if (out === undefined) {
    process.stdout.write(kubeYaml(result.documents));
    return;
  }
  const isDir = out.endsWith('/') || (await stat(out).catch(() => undefined))?.isDirectory() === true;
  if (!isDir) {
    await writeFile(out, kubeYaml(result.documents));
    return;
  }
  await mkdir(out, { recursive: true });
  const byApp = new Map<string, typeof result.documents>();
  for (const document of result.documents) {
    const app = document.metadata.labels?.['io.podwarden.app'] ?? document.metadata.name;
    byApp.set(app, [...(byApp.get(app) ?? []), document]);
  }
  for (const [app, documents] of byApp) await writeFile(join(out, `${app}.yml`), kubeYaml(documents));
}
