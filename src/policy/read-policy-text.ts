import { issuesToErrors, type ManifestError } from '../manifest/errors.js';
import { decodeManifest } from '../manifest/manifest-text.js';
import { readYaml } from '../manifest/yaml-document.js';
import { policyFileSchema } from './policy-schema.js';
import type { ContainerRules } from './policy-types.js';

// The policy file's bytes → its rules: text, YAML and schema. Runs on the reader thread
// (src/manifest/reader-thread.ts), so the daemon's main thread never keeps zod or yaml.

/** A policy file read, as plain data: its rules, or every problem in one line. */
export type PolicyReading = { apps: Record<string, ContainerRules> } | { problem: string };

export function readPolicyText(bytes: Uint8Array, file: string, maxBytes: number): PolicyReading {
  const decoded = decodeManifest(bytes, file, maxBytes);
  if ('error' in decoded) return { problem: decoded.error.message };
  if (decoded.text.trim() === '') return { apps: {} };
  const read = readYaml(decoded.text, file);
  const problems = 'errors' in read ? read.errors : [];
  const parsed = 'errors' in read ? undefined : policyFileSchema.safeParse(read.data, { reportInput: true });
  if (parsed && !parsed.success)
    problems.push(...issuesToErrors(file, parsed.error.issues, { knownKeys: knownPolicyKeys }));
  if (!parsed?.success) return { problem: problems.map(where).join('; ') };
  return { apps: parsed.data.apps };
}

function where(error: ManifestError): string {
  const at = error.path !== '' ? error.path : error.line !== undefined ? `line ${error.line}` : '';
  return at === '' ? error.message : `${at}: ${error.message}`;
}

/** The fields allowed at a path, for "did you mean" hints. */
function knownPolicyKeys(at: readonly PropertyKey[]): readonly string[] {
  if (at.length === 0) return ['apps'];
  return at.length === 2 && at[0] === 'apps'
    ? ['bind', 'capAdd', 'hostNetwork']
    : at.length === 4
      ? ['path', 'readOnly']
      : [];
}
