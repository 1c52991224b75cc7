import { realpath } from 'node:fs/promises';
import { dirname } from 'node:path';
import { admitManifest, type Admission } from '../policy/admit.js';
import type { Grant } from '../policy/check-policy.js';
import { readCatalogFile } from './catalog-file.js';
import { ManifestError } from './errors.js';
import { parseManifestBytes } from './parse-manifest.js';
import type { AppManifest } from './schema.js';

export interface FileVerdict {
  manifest?: AppManifest;
  errors: ManifestError[];
  /** Host rights the policy allows, with the rule for each. */
  grants: Grant[];
}

/**
 * One manifest file checked as the daemon checks a catalog entry, its folder standing for the
 * catalog: read (links must stay in the folder, size cap before reading), parsed, its paths
 * confined, its host rights held against the policy. On the calling thread: for `validate`
 * and tests, where nothing else waits on the event loop.
 */
export async function validateManifestFile(file: string, admission: Admission, maxBytes: number): Promise<FileVerdict> {
  const root = dirname(file);
  const read = await readCatalogFile(await realpath(root).catch(() => root), file, maxBytes);
  if (read === undefined)
    return { errors: [new ManifestError({ file, path: '', message: 'is not a regular file' })], grants: [] };
  if ('error' in read) return { errors: [read.error], grants: [] };
  const parsed = parseManifestBytes(read.bytes, file, maxBytes);
  if ('errors' in parsed) return { errors: parsed.errors, grants: [] };
  const verdict = await admitManifest(parsed.manifest, file, root, admission);
  return verdict.errors.length > 0 ? verdict : { manifest: parsed.manifest, ...verdict };
}
