import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_RENDERED_FILE_MODE } from '../effects/render-files.js';
import { sha256Hex } from '../manifest/canonical-json.js';
import type { AppManifest, RenderedFileDecl } from '../manifest/schema.js';
import { renderTemplate, templateKeys } from '../render/template.js';
import type { ExportWarning } from './export-warning.js';
import type { KubeConfigMap, KubeContainer, KubeSecret } from './kube-objects.js';
import type { PodVolumes } from './kube-volumes.js';

export interface FilesExportOptions {
  /** Write the values into the Secret; otherwise placeholders, and the command that fills it. */
  includeSecrets: boolean;
  /** The app's values (its values file), when `includeSecrets`. */
  values?: Readonly<Record<string, string>>;
  /** Where podwarden renders this app's files on the host: the `kubectl create secret` command reads them there. */
  appDataDir: string;
  /** The image of the init container that copies the files (needs sh, mkdir, cp, chmod). */
  helperImage: string;
  labels: Record<string, string>;
}

export interface FilesExport {
  documents: Array<KubeSecret | KubeConfigMap>;
  initContainer?: KubeContainer;
  /** sha256 of what the files hold as exported (placeholders included): a change rolls the Deployment. */
  checksum?: string;
  secretCommand?: string;
  warnings: ExportWarning[];
}

const MOUNT = { data: '/podwarden/data', secret: '/podwarden/secret', config: '/podwarden/config' } as const;

/**
 * Rendered files (app's and companions'). A file whose template uses values (secrets, by
 * podwarden's rule) goes into the Secret `<app>-files`, any other into the ConfigMap
 * `<app>-config`; an init container copies each into the app's data claim at its path, with its
 * mode, as podwarden renders it into the data directory before a start. So the app (and a
 * companion mounting the same directory) finds the file beside its data, as on the host. A copy
 * rather than a `subPath` mount of each key: a file inside a mounted directory is two mounts
 * stacked, which podman's kube play cannot do (it ignores `subPath`).
 */
export async function exportFiles(
  manifest: AppManifest,
  volumes: PodVolumes,
  options: FilesExportOptions,
): Promise<FilesExport> {
  const declared: Array<{ file: RenderedFileDecl; field: string }> = [
    ...(manifest.files ?? []).map((file, i) => ({ file, field: `files[${i}]` })),
    ...manifest.companions.flatMap((companion, c) =>
      (companion.files ?? []).map((file, i) => ({ file, field: `companions[${c}].files[${i}]` })),
    ),
  ];
  const warnings: ExportWarning[] = [];
  if (declared.length === 0) return { documents: [], warnings };

  const secretData: Record<string, string> = {};
  const configData: Record<string, string> = {};
  const copies: string[] = [];
  const missing = new Set<string>();
  const seenPaths = new Set<string>();
  const hashed: unknown[] = [];
  for (const { file, field } of declared) {
    if (seenPaths.has(file.path)) {
      warnings.push({
        app: manifest.id,
        field: `${field}.path`,
        message: `${file.path} is rendered twice; the first one is kept`,
      });
      continue;
    }
    seenPaths.add(file.path);
    const template = file.template ?? (await readFile(file.templateFile!, 'utf8'));
    const keys = templateKeys(template);
    const secret = keys.length > 0;
    const values: Record<string, string> = {};
    for (const key of keys) {
      const value = options.includeSecrets ? options.values?.[key] : undefined;
      if (value === undefined) missing.add(key);
      values[key] = value ?? `CHANGE-ME-${key}`;
    }
    const content = renderTemplate(template, values);
    const data = secret ? secretData : configData;
    const key = uniqueKey(file.path, data);
    data[key] = content;
    const mode = (file.mode ?? DEFAULT_RENDERED_FILE_MODE).toString(8).padStart(4, '0');
    copies.push(`${secret ? MOUNT.secret : MOUNT.config}/${key}`, file.path, mode);
    hashed.push([file.path, mode, content]);
  }

  const name = { secret: `${manifest.id}-files`, config: `${manifest.id}-config` };
  const documents: Array<KubeSecret | KubeConfigMap> = [];
  const mounts: NonNullable<KubeContainer['volumeMounts']> = [{ name: volumes.dataVolume(), mountPath: MOUNT.data }];
  if (Object.keys(secretData).length > 0) {
    documents.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: name.secret, labels: options.labels },
      type: 'Opaque',
      stringData: secretData,
    });
    mounts.push({
      name: volumes.other({ name: 'files', secret: { secretName: name.secret } }),
      mountPath: MOUNT.secret,
      readOnly: true,
    });
  }
  if (Object.keys(configData).length > 0) {
    documents.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: name.config, labels: options.labels },
      data: configData,
    });
    mounts.push({
      name: volumes.other({ name: 'config', configMap: { name: name.config } }),
      mountPath: MOUNT.config,
      readOnly: true,
    });
  }
  if (missing.size > 0) {
    warnings.push({
      app: manifest.id,
      field: 'values',
      message: `the Secret ${name.secret} holds placeholders for ${[...missing].join(', ')}: fill it with the command printed below`,
    });
  }
  return {
    documents,
    initContainer: {
      name: 'files',
      image: options.helperImage,
      command: ['sh', '-c', COPY_SCRIPT, 'files', ...copies],
      volumeMounts: mounts,
    },
    checksum: sha256Hex(JSON.stringify(hashed)),
    ...(missing.size > 0 ? { secretCommand: secretCommand(name.secret, secretData, copies, options.appDataDir) } : {}),
    warnings,
  };
}

/** Copies each (source, path in the data dir, mode) triple given as arguments: no path is ever spliced into the script. */
const COPY_SCRIPT = `set -e; while [ $# -ge 3 ]; do t="${MOUNT.data}/$2"; mkdir -p "$(dirname "$t")"; cp "$1" "$t"; chmod "$3" "$t"; shift 3; done`;

/** A Secret/ConfigMap key for a path: letters, digits, "-", "_" and "." only ("/" becomes "__"). */
function uniqueKey(filePath: string, taken: Record<string, string>): string {
  const base = filePath
    .replace(/\//g, '__')
    .replace(/[^-._a-zA-Z0-9]/g, '_')
    .slice(0, 240);
  let key = base;
  for (let i = 2; Object.hasOwn(taken, key); i++) key = `${base}-${i}`;
  return key;
}

/** Fills the Secret from the files podwarden renders on the host (never from values on the command line). */
function secretCommand(secretName: string, data: Record<string, string>, copies: string[], appDataDir: string): string {
  const froms: string[] = [];
  for (let i = 0; i < copies.length; i += 3) {
    const source = copies[i]!;
    if (!source.startsWith(`${MOUNT.secret}/`)) continue;
    const key = path.posix.basename(source);
    if (Object.hasOwn(data, key)) froms.push(`--from-file=${key}=${shellQuote(path.join(appDataDir, copies[i + 1]!))}`);
  }
  return `kubectl create secret generic ${secretName} ${froms.join(' ')} --dry-run=client -o yaml | kubectl apply -f -`;
}

function shellQuote(text: string): string {
  return /^[\w./@%+=:,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
