import { open, writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { IMPORT_MAX_BYTES, importKube } from '../../export/import-kube.js';
import { EXIT } from '../client-command.js';

/**
 * `podwarden import kube FILE`: one Deployment or Pod as a catalog manifest, where every field
 * maps back; otherwise it refuses, naming the field. The file is read up to the size cap only.
 */
export const importCommand = () =>
  new Command('import')
    .description("read another system's words into a catalog manifest (no daemon needed)")
    .addCommand(
      new Command('kube')
        .description(
          'a manifest from one Kubernetes Deployment or Pod (with its Services and claims); refuses what does not map',
        )
        .argument('<file>', 'the Kubernetes YAML')
        .addOption(new Option('--out <file>', 'write the manifest there instead of stdout'))
        .action(async (file: string, options: { out?: string }) => {
          try {
            const { yaml } = importKube(await readCapped(file), file);
            if (options.out) await writeFile(options.out, yaml);
            else process.stdout.write(yaml);
          } catch (error) {
            process.stderr.write(`podwarden: ${file}: ${error instanceof Error ? error.message : String(error)}\n`);
            process.exitCode = EXIT.failure;
          }
        }),
    );

/** At most one byte more than the cap, so a larger file is refused without being read whole. */
async function readCapped(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(IMPORT_MAX_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}
