import { dirname, join } from 'node:path';
import { Command, Option } from 'commander';
import type { ManifestError } from '../../manifest/errors.js';
import { validateManifestFile } from '../../manifest/validate-file.js';
import { grantText, type Grant } from '../../policy/check-policy.js';
import { findPolicyFile, loadPolicy } from '../../policy/load-policy.js';
import { protectedPaths } from '../../policy/never-allowed.js';
import { NO_POLICY } from '../../policy/policy-types.js';
import { EXIT, printJson } from '../client-command.js';
import { manifestMaxBytesOption, policyOption } from '../trust-options.js';

interface Verdict {
  file: string;
  valid: boolean;
  errors: ManifestError[];
  app?: { id: string; name: string; version: string };
  /** Host rights the policy allows, and by which rule. */
  allowed?: Grant[];
}

interface ValidateOptions {
  json?: boolean;
  policy?: string;
  stateDir: string;
  socket: string;
  manifestMaxBytes: number;
}

/**
 * `podwarden validate <manifest...>`: checks manifest files locally, no daemon needed, as the
 * daemon would: the same limits, the same policy (and the rule that allows or refuses each
 * host right), paths confined to the manifest's folder.
 */
export const validateCommand = () =>
  new Command('validate')
    .description(
      'check manifest files as the daemon would, policy included (no daemon needed); errors name the file, the field and the rule',
    )
    .argument('<manifest...>', 'manifest files (YAML)')
    .addOption(policyOption())
    .addOption(
      new Option('--state-dir <dir>', "podwarden's state dir (its policy.yml, and paths no app may bind)")
        .env('PODWARDEN_STATE_DIR')
        .default('/var/lib/podwarden'),
    )
    .addOption(
      new Option('--socket <path>', "the engine's socket (no app may bind it)")
        .env('PODWARDEN_SOCKET')
        .default('/run/podman/podman.sock'),
    )
    .addOption(manifestMaxBytesOption())
    .addOption(new Option('--json', 'print JSON instead of text (an array when several files are given)'))
    .action(async (files: string[], options: ValidateOptions) => {
      const policyFile = await findPolicyFile(options.stateDir, options.policy);
      let policy = NO_POLICY;
      if (policyFile !== undefined) {
        try {
          policy = await loadPolicy(policyFile, { catalogDir: dirname(files[0]!) });
        } catch (error) {
          process.stderr.write(`podwarden: ${error instanceof Error ? error.message : String(error)}\n`);
          process.exitCode = EXIT.failure;
          return;
        }
      }
      const verdicts: Verdict[] = [];
      for (const file of files) {
        const root = dirname(file);
        const admission = {
          policy,
          protectedPaths: protectedPaths({
            stateDir: options.stateDir,
            dataDir: join(options.stateDir, 'apps'),
            secretsDir: join(options.stateDir, 'secrets'),
            catalogDir: root,
            engineSocket: options.socket,
            ...(policyFile !== undefined ? { policyFile } : {}),
          }),
        };
        const { manifest, errors, grants } = await validateManifestFile(file, admission, options.manifestMaxBytes);
        verdicts.push({
          file,
          valid: manifest !== undefined,
          errors,
          ...(manifest ? { app: { id: manifest.id, name: manifest.name, version: manifest.version } } : {}),
          allowed: grants,
        });
      }
      if (options.json) {
        const json = verdicts.map((verdict) => ({ ...verdict, errors: verdict.errors.map((error) => error.toJSON()) }));
        printJson(json.length === 1 ? json[0] : json);
      } else {
        for (const verdict of verdicts) printVerdict(verdict);
      }
      if (verdicts.some((verdict) => !verdict.valid)) process.exitCode = EXIT.failure;
    });

function printVerdict(verdict: Verdict): void {
  for (const error of verdict.errors) process.stderr.write(`${String(error)}\n`);
  for (const grant of verdict.allowed ?? []) {
    process.stdout.write(`${verdict.file}: allowed: ${grant.container} may use ${grantText(grant)}\n`);
  }
  if (verdict.valid && verdict.app)
    process.stdout.write(`${verdict.file}: ok (${verdict.app.id}: ${verdict.app.name} ${verdict.app.version})\n`);
}
