/**
 * The bounds a manifest must stay within (docs/policy.md lists them). A catalog is input from
 * strangers: without bounds a 5 MB name or 50 MB file costs every reader (the log, the API,
 * `podwarden catalog`) and the daemon itself. Each is far above what a real app needs.
 */

/** A manifest file larger than this is refused before it is read; `--manifest-max-bytes` changes it. */
export const DEFAULT_MANIFEST_MAX_BYTES = 256 * 1024;

/** Deepest nesting of mappings and lists; a real manifest nests about eight deep. */
export const MAX_NESTING = 64;

/** Problems reported per file: the rest are counted, not listed. */
export const MAX_ERRORS_PER_FILE = 20;

/** Longest text of each kind, in characters, and most entries of each list. */
export const FIELD_LIMITS = {
  name: 100,
  description: 4_000,
  envEntries: 256,
  envKey: 256,
  envValue: 32 * 1024,
  /** Items of command, entrypoint, a health check's or an exec probe's test. */
  argumentItems: 256,
  argument: 32 * 1024,
  ports: 64,
  volumes: 64,
  tmpfs: 32,
  capAdd: 64,
  files: 64,
  template: 128 * 1024,
  /** Paths named in a manifest: a rendered file, a template file, a build context, a values file. */
  path: 1_024,
  companions: 16,
  dependsOn: 64,
  /** A user name or uid[:gid]. */
  user: 256,
  /** Durations: a week, far beyond any timeout or start period, well inside what podman takes. */
  durationMs: 7 * 24 * 3_600_000,
} as const;
