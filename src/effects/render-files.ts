import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfinedReadError, readConfinedFile } from '../manifest/confine-paths.js';
import { FIELD_LIMITS } from '../manifest/limits.js';
import { writeFileAtomic } from '../state/atomic-write.js';
import type { Logger } from '../log.js';
import { confinedTarget } from '../render/confine.js';
import { renderTemplate, TemplateError } from '../render/template.js';
import { parseValuesFile } from '../render/values-file.js';

/** Rendered files are mostly configs that embed secrets: only the owner may read them. */
export const DEFAULT_RENDERED_FILE_MODE = 0o600;

/** One file to render: the manifest's `app.files[i]`, with its template file made absolute. */
export interface RenderedFile {
  /** Relative to the data dir, already checked for absolute paths and "..". */
  path: string;
  template?: string;
  templateFile?: string;
  mode?: number;
}

/** Everything one render needs; apps and companions alike. */
export interface RenderJob {
  /** For messages and logs: `bitcoind`, or a companion's name. */
  owner: string;
  /** The manifest the files come from; errors name it with the field. */
  manifestFile: string;
  /** Absolute: the folder every rendered file must stay in. */
  dataDir: string;
  files: readonly RenderedFile[];
  /** Absolute path of the KEY=VALUE values file, when the manifest names one. */
  valuesFile?: string;
}

export interface RenderOutcome {
  /** At least one file was (re)written. */
  changed: boolean;
  /** The files that were written, relative to the data dir. */
  written: string[];
}

/**
 * Why a file is about to be rewritten, as far as podwarden can tell without keeping values:
 * `created` it did not exist; `values` same template as the last render, so a value changed;
 * `template` its template changed; `content` it differs and podwarden has not rendered it
 * since it started (its template or values changed while podwarden was not running, or it was
 * edited by hand); `mode` only its permissions differ.
 */
export type FileChange = 'created' | 'values' | 'template' | 'content' | 'mode';

export interface PlannedWrite {
  /** Relative to the data dir, as the manifest names it. */
  path: string;
  change: FileChange;
}

/**
 * What the last render in this process used per file: the template's digest, so the next one
 * can tell a changed value from a changed template. Holds no values and no content.
 */
export type RenderMemory = Map<string, string>;

export interface RenderHooks {
  log?: Logger;
  /** Kept across renders (one per daemon) to name why a file changed. */
  memory?: RenderMemory;
  /**
   * Told the files about to be written, after every template rendered and before the first
   * write; never called when nothing changes (a quiet pass). The intent journal hooks in here.
   */
  beforeWrite?: (writes: PlannedWrite[]) => Promise<void>;
}

/**
 * A render that did not happen. Names the manifest file and the field; never carries a value,
 * so it can go to logs, transitions and `status()` as it is.
 */
export class RenderError extends Error {
  constructor(
    readonly manifestFile: string,
    readonly field: string,
    problem: string,
  ) {
    super(`${manifestFile}: ${field}: ${problem}`);
    this.name = 'RenderError';
  }
}

/**
 * Renders every file of `job` into its data dir. All templates are rendered in memory first,
 * so one bad template writes nothing; then each file is written atomically, and only when its
 * content (or mode) changed. Logs name the files that changed, never what they hold.
 */
export async function renderFiles(
  job: RenderJob,
  { log, memory, beforeWrite }: RenderHooks = {},
): Promise<RenderOutcome> {
  if (job.files.length === 0) return { changed: false, written: [] };
  const values = job.valuesFile === undefined ? {} : await readValues(job, job.valuesFile);

  const rendered: { file: RenderedFile; field: string; template: string; content: string }[] = [];
  for (const [index, file] of job.files.entries()) {
    const field = `app.files[${index}]`;
    const template = file.template ?? (await readTemplate(job, field, file.templateFile));
    try {
      rendered.push({ file, field, template, content: renderTemplate(template, values) });
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      const problem =
        error.key !== undefined
          ? `the template uses {{${error.key}}}, which ${job.valuesFile === undefined ? 'has no value (the manifest names no values file: app.values)' : `${job.valuesFile} does not define`}`
          : error.message;
      throw new RenderError(
        job.manifestFile,
        `${field}.${file.template !== undefined ? 'template' : 'templateFile'}`,
        problem,
      );
    }
  }

  const targets: {
    file: RenderedFile;
    field: string;
    content: string;
    target: string;
    mode: number;
    digest: string;
  }[] = [];
  for (const { file, field, template, content } of rendered) {
    let target: string;
    try {
      target = await confinedTarget(job.dataDir, file.path);
    } catch (error) {
      throw new RenderError(job.manifestFile, `${field}.path`, error instanceof Error ? error.message : String(error));
    }
    targets.push({
      file,
      field,
      content,
      target,
      mode: file.mode ?? DEFAULT_RENDERED_FILE_MODE,
      digest: digestOf(template),
    });
  }

  // One look at each file decides whether it is written and why; the write itself does not look again.
  const changes: (FileChange | undefined)[] = [];
  for (const { file, content, target, mode, digest } of targets) {
    changes.push(await changeOf(target, content, mode, memory?.get(memoryKey(job, file.path)), digest));
  }
  const planned: PlannedWrite[] = targets.flatMap(({ file }, index) => {
    const change = changes[index];
    return change ? [{ path: file.path, change }] : [];
  });
  if (beforeWrite && planned.length > 0) await beforeWrite(planned);

  const written: string[] = [];
  for (const [index, { file, field, content, target, mode, digest }] of targets.entries()) {
    if (changes[index]) {
      try {
        await writeFileAtomic(target, content, { mode });
      } catch (error) {
        throw new RenderError(
          job.manifestFile,
          `${field}.path`,
          error instanceof Error ? error.message : String(error),
        );
      }
      written.push(file.path);
      log?.info({ app: job.owner, file: target }, 'rendered file changed');
    }
    memory?.set(memoryKey(job, file.path), digest);
  }
  return { changed: written.length > 0, written };
}

function memoryKey(job: RenderJob, path: string): string {
  return `${job.owner}\u0000${job.dataDir}\u0000${path}`;
}

/** Of the template, which holds no values: a digest only tells "same template" from "another one". */
function digestOf(template: string): string {
  return createHash('sha256').update(template).digest('hex');
}

/** Whether (and why) writing `content` with `mode` would change `target`; undefined when it would not. */
async function changeOf(
  target: string,
  content: string,
  mode: number,
  lastDigest: string | undefined,
  digest: string,
): Promise<FileChange | undefined> {
  let current: Buffer;
  try {
    current = await readFile(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'created';
    // Unreadable (e.g. a folder in its place): the write is tried, and its failure names the field.
    return 'content';
  }
  if (current.equals(Buffer.from(content, 'utf8'))) {
    const existing = (await stat(target).catch(() => undefined))?.mode;
    return existing === undefined || (existing & 0o7777) === mode ? undefined : 'mode';
  }
  if (lastDigest === undefined) return 'content';
  return lastDigest === digest ? 'values' : 'template';
}

async function readValues(job: RenderJob, valuesFile: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(valuesFile, 'utf8');
  } catch (error) {
    throw new RenderError(
      job.manifestFile,
      'app.values',
      `cannot read the values file ${valuesFile}: ${fsReason(error)}`,
    );
  }
  try {
    return parseValuesFile(text);
  } catch (error) {
    throw new RenderError(
      job.manifestFile,
      'app.values',
      `${valuesFile}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/**
 * A template file is read only if it really is inside the manifest's folder as it is opened
 * (the catalog was checked when it was read; a link may have been swapped in since).
 */
async function readTemplate(job: RenderJob, field: string, templateFile: string | undefined): Promise<string> {
  if (templateFile === undefined)
    throw new RenderError(job.manifestFile, field, 'has neither template nor templateFile');
  try {
    return await readConfinedFile(dirname(job.manifestFile), templateFile, FIELD_LIMITS.template);
  } catch (error) {
    const why = error instanceof ConfinedReadError ? error.message : fsReason(error);
    throw new RenderError(job.manifestFile, `${field}.templateFile`, `cannot read ${templateFile}: ${why}`);
  }
}

function fsReason(error: unknown): string {
  switch ((error as NodeJS.ErrnoException | undefined)?.code) {
    case 'ENOENT':
      return 'it does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
