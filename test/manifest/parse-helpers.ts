import { parseManifest } from '../../src/manifest/parse-manifest.js';

/** The manifest a YAML text parses to; fails the test with the errors when it does not. */
export function parsed(text: string, file: string) {
  const result = parseManifest(text, file);
  if ('errors' in result) throw new Error(result.errors.map(String).join('\n'));
  return result.manifest;
}

/** The errors a YAML text gives, as a person reads them; fails the test when it is accepted. */
export function errors(text: string, file: string): string[] {
  const result = parseManifest(text, file);
  if ('manifest' in result) throw new Error('expected errors, the manifest was accepted');
  return result.errors.map(String);
}
