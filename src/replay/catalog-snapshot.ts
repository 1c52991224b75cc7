import { createHmac, randomBytes } from 'node:crypto';
import { mkdir, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { isMap, isScalar, parseDocument, type Node } from 'yaml';
import { canonicalJson } from '../manifest/canonical-json.js';
import { readCatalogFile } from '../manifest/catalog-file.js';
import { DEFAULT_MANIFEST_MAX_BYTES } from '../manifest/limits.js';
import { parseManifest } from '../manifest/parse-manifest.js';
import type { AppManifest } from '../manifest/schema.js';
import type { CatalogSnapshot } from './records.js';
import { namesInFolder } from '../state/names-in-folder.js';

/** The catalog could not be recorded without leaking env values; names the file and field. */
export class CatalogRedactionError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'CatalogRedactionError';
  }
}

export const REDACTED_PATTERN = /^\[redacted [0-9a-f]{12}\]$/;

/**
 * Env values become `[redacted <12 hex>]`: a keyed hash under a key made for this recording and
 * never stored. Equal values get equal placeholders within one recording (so a changed secret
 * still shows as a changed manifest), and nobody can test guesses against a placeholder.
 */
export function secretRedactor(): (value: string) => string {
  const key = randomBytes(32);
  return (value) => `[redacted ${createHmac('sha256', key).update(value).digest('hex').slice(0, 12)}]`;
}

const MANIFEST_EXTENSIONS = new Set(['.yml', '.yaml']);

/**
 * Stands in for a manifest that was not valid YAML when recorded: its env values could not be
 * found, so its text was left out. Still invalid YAML, so the replay's catalog has an error there too.
 */
export const WITHHELD_MANIFEST = '{ "left out of the recording": this file was not valid YAML when recorded\n';

function withoutEnv(manifest: AppManifest): string {
  return canonicalJson({ ...manifest, container: { ...manifest.container, env: {} } });
}

/**
 * The manifest text with every value of `app.container.env` replaced by its placeholder, and
 * nothing else changed (values are spliced, the rest of the text is kept byte for byte).
 * null when the text is not valid YAML.
 */
export function redactManifestText(text: string, file: string, redact: (value: string) => string): string | null {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) return null;
  const env = doc.getIn(['app', 'container', 'env'], true) as Node | undefined;
  if (env === undefined || (isScalar(env) && env.value === null)) return text;
  if (!isMap(env)) {
    throw new CatalogRedactionError(
      file,
      'app.container.env is not a plain mapping (a YAML alias?): its values cannot be redacted safely',
    );
  }

  const original = parseManifest(text, file);
  const normalised = 'manifest' in original ? original.manifest.container.env : undefined;
  const edits: Array<{ start: number; end: number; replacement: string }> = [];
  for (const pair of env.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
    const node = pair.value as Node | null;
    if (node === null || !node.range) continue;
    const raw = isScalar(node) ? String(node.value) : JSON.stringify(node.toJSON());
    // The placeholder must hash what the orchestrator puts in the spec, which is the schema's string.
    const value = normalised && key !== undefined && key in normalised ? normalised[key]! : raw;
    const [start, end] = node.range;
    const keepNewline = text.slice(start, end).endsWith('\n') ? '\n' : '';
    edits.push({ start, end, replacement: JSON.stringify(redact(value)) + keepNewline });
  }
  let redacted = text;
  for (const edit of edits.sort((a, b) => b.start - a.start)) {
    redacted = redacted.slice(0, edit.start) + edit.replacement + redacted.slice(edit.end);
  }

  if (parseDocument(redacted, { uniqueKeys: true }).errors.length > 0) {
    throw new CatalogRedactionError(
      file,
      'redacting app.container.env made the YAML invalid: this layout of env is not supported',
    );
  }
  if ('manifest' in original) {
    const after = parseManifest(redacted, file);
    const same =
      'manifest' in after &&
      withoutEnv(after.manifest) === withoutEnv(original.manifest) &&
      Object.keys(after.manifest.container.env).join('\n') ===
        Object.keys(original.manifest.container.env).join('\n') &&
      Object.entries(original.manifest.container.env).every(
        ([key, value]) => after.manifest.container.env[key] === redact(value),
      );
    if (!same) {
      throw new CatalogRedactionError(file, 'app.container.env could not be redacted without changing the manifest');
    }
  }
  return redacted;
}

/** The manifest files `loadCatalog` would read (*.yml, *.yaml, no dotfiles, no subfolders), by name. */
async function manifestFiles(dir: string): Promise<string[]> {
  const names = await namesInFolder(dir);
  const files: string[] = [];
  for (const name of names.sort()) {
    if (name.startsWith('.') || !MANIFEST_EXTENSIONS.has(extname(name).toLowerCase())) continue;
    if ((await stat(join(dir, name))).isFile()) files.push(name);
  }
  return files;
}

/** Reads the catalog as podwarden is about to, env values redacted. */
export async function snapshotCatalog(dir: string, redact: (value: string) => string): Promise<CatalogSnapshot> {
  const snapshot: CatalogSnapshot = {};
  const root = await realpath(dir).catch(() => dir);
  for (const name of await manifestFiles(dir)) {
    // Read as the catalog reads it: a link out of the catalog or an oversized file is withheld, never recorded.
    const read = await readCatalogFile(root, join(dir, name), DEFAULT_MANIFEST_MAX_BYTES);
    const text = read !== undefined && 'bytes' in read ? new TextDecoder().decode(read.bytes) : undefined;
    snapshot[name] = text === undefined ? null : redactManifestText(text, join(dir, name), redact);
  }
  return snapshot;
}

/** Makes `dir` hold exactly the snapshot's manifests (other manifest files are removed). */
export async function writeCatalogSnapshot(dir: string, snapshot: CatalogSnapshot): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const name of await manifestFiles(dir)) {
    if (!(name in snapshot)) await rm(join(dir, name));
  }
  for (const [name, text] of Object.entries(snapshot)) {
    if (name.includes('/') || name.includes('\\') || name.startsWith('.')) {
      throw new Error(`recorded catalog file name ${JSON.stringify(name)} is not a plain file name`);
    }
    await writeFile(join(dir, name), text ?? WITHHELD_MANIFEST);
  }
}
