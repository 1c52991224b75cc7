import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { fsReason } from '../manifest/catalog-file.js';
import { isInside } from '../manifest/inside.js';
import { sharedReader, type Reader } from '../manifest/reader-thread.js';
import type { HostPolicy } from './policy-types.js';

/** Where podwarden looks for the owner's policy when none is named: the state dir, then /etc. */
export function policyCandidates(stateDir: string): string[] {
  return [path.join(stateDir, 'policy.yml'), '/etc/podwarden/policy.yml'];
}

/** The policy file to use: the one named, else the first candidate that exists; undefined when there is none. */
export async function findPolicyFile(stateDir: string, named?: string): Promise<string | undefined> {
  if (named !== undefined && named !== '') return path.resolve(named);
  for (const candidate of policyCandidates(stateDir)) {
    if (
      await stat(candidate).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  return undefined;
}

/** A policy file podwarden will not use; the daemon refuses to start with one, and a reload keeps the rules it had. */
export class PolicyError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'PolicyError';
  }
}

const MAX_POLICY_BYTES = 256 * 1024;

/**
 * Reads and checks the owner's policy file. It must be the owner's: outside the catalog (which
 * strangers write), owned by root or podwarden's own user, and writable by no one else.
 */
export async function loadPolicy(
  file: string,
  { catalogDir, reader = sharedReader() }: { catalogDir: string; reader?: Reader },
): Promise<HostPolicy> {
  let real: string;
  let bytes: Buffer;
  try {
    real = await realpath(file);
    const info = await stat(real);
    if (!info.isFile()) throw new PolicyError(file, 'is not a regular file');
    if (info.size > MAX_POLICY_BYTES) throw new PolicyError(file, `is larger than ${MAX_POLICY_BYTES / 1024} KiB`);
    const me = process.getuid?.() ?? 0;
    if (info.uid !== 0 && info.uid !== me)
      throw new PolicyError(file, `belongs to uid ${info.uid}; it must belong to root or to podwarden's user`);
    if ((info.mode & 0o022) !== 0)
      throw new PolicyError(file, 'can be written by others than its owner (chmod go-w it)');
    bytes = await readFile(real);
  } catch (error) {
    if (error instanceof PolicyError) throw error;
    throw new PolicyError(file, `cannot read: ${fsReason(error)}`);
  }
  const catalog = await realpath(catalogDir).catch(() => path.resolve(catalogDir));
  if (isInside(catalog, real)) {
    throw new PolicyError(
      file,
      "is inside the catalog; the policy is the owner's and must live apart from what catalogs ship (the state dir or /etc/podwarden)",
    );
  }

  // The YAML and the schema are checked on the reader thread (read-policy-text.ts): the daemon keeps what it loads.
  const read = await reader.read({ kind: 'policy', file, bytes, maxBytes: MAX_POLICY_BYTES });
  if ('problem' in read) throw new PolicyError(file, read.problem);
  return { file, apps: read.apps };
}
