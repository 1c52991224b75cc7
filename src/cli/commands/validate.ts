import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { parseManifest } from '../../manifest/catalog.js';
import { EXIT, printJson } from '../client-command.js';

/** `podwarden validate <manifest>`: checks one manifest file locally; no daemon needed. */
export const validateCommand = () =>
  new Command('validate')
    .description('check a manifest file (no daemon needed); errors name the file and the field')
    .argument('<manifest>', 'the manifest file (YAML)')
    .addOption(new Option('--json', 'print JSON instead of text'))
    .action(async (file: string, options: { json?: boolean }) => {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        const message = `${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
        if (options.json) printJson({ file, valid: false, errors: [{ file, path: '', message }] });
        else process.stderr.write(`${message}\n`);
        process.exitCode = EXIT.failure;
        return;
      }
      const result = parseManifest(text, file);
      if ('errors' in result) {
        if (options.json) printJson({ file, valid: false, errors: result.errors.map((error) => error.toJSON()) });
        else for (const error of result.errors) process.stderr.write(`${String(error)}\n`);
        process.exitCode = EXIT.failure;
        return;
      }
      const { manifest } = result;
      if (options.json) printJson({ file, valid: true, app: { id: manifest.id, name: manifest.name, version: manifest.version } });
      else process.stdout.write(`${file}: ok (${manifest.id}: ${manifest.name} ${manifest.version})\n`);
    });
