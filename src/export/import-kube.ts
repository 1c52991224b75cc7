import { isDeepStrictEqual } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { APP_ID_PATTERN } from '../manifest/field-formats.js';
import { parseManifest } from '../manifest/parse-manifest.js';
import type { AppManifest } from '../manifest/schema.js';
import { importContainer, type VolumeSource } from './kube-import-container.js';
import type { KubeContainer } from './kube-objects.js';
import { ImportRefusal, isPlain, listAt, numberAt, objectAt, stringAt, type Plain } from './kube-reader.js';
import { SUBPATH_DIRS_CONTAINER, subPathDirs } from './kube-subpath-dirs.js';

export { ImportRefusal } from './kube-reader.js';

/** A Kubernetes file larger than this is refused unread: one app's Deployment is a few KiB. */
export const IMPORT_MAX_BYTES = 1024 * 1024;

export interface KubeImport {
  /** The manifest as YAML, ready for the catalog (it passed podwarden's own manifest check). */
  yaml: string;
  manifest: AppManifest;
}

/**
 * `podwarden import kube`: one Deployment (one replica) or Pod back into a catalog manifest,
 * where every field maps back: the first container is the app, the others its companions, the
 * `wait-<app>` init containers the export writes are `dependsOn`. The Services and claims of the
 * export may sit beside it (the claims name the data volume); anything else, and any field
 * without a manifest equivalent, is refused with its path.
 *
 * @example
 * const { yaml } = importKube(await readFile('bitcoind.yml', 'utf8'), 'bitcoind.yml');
 */
export function importKube(text: string, file: string): KubeImport {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > IMPORT_MAX_BYTES)
    throw new ImportRefusal(file, `is ${bytes} bytes; at most ${IMPORT_MAX_BYTES} are read`);
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents)) throw new ImportRefusal(file, 'is not YAML documents');
  const workloads: Array<{ value: Plain; field: string }> = [];
  documents.forEach((document, i) => {
    const field = `documents[${i}]`;
    if (document.errors.length > 0) throw new ImportRefusal(field, document.errors[0]!.message);
    const value: unknown = document.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return;
    if (!isPlain(value)) throw new ImportRefusal(field, 'expected a Kubernetes object');
    const kind = value.kind;
    if (kind === 'Deployment' || kind === 'Pod') workloads.push({ value, field });
    else if (kind === 'Secret' || kind === 'ConfigMap') {
      throw new ImportRefusal(
        `${field}.kind`,
        `a ${kind} holds rendered files, which do not map back: write them as app.files (their secrets in app.values)`,
      );
    } else if (kind !== 'Service' && kind !== 'PersistentVolumeClaim') {
      throw new ImportRefusal(
        `${field}.kind`,
        `${String(kind)} does not map to a manifest (only one Deployment or Pod, with its Services and claims)`,
      );
    }
  });
  if (workloads.length !== 1) {
    throw new ImportRefusal(file, `holds ${workloads.length} Deployments and Pods; exactly one is imported`);
  }
  const [{ value, field }] = workloads as [{ value: Plain; field: string }];
  const app = importWorkload(value, field);
  const yaml = stringify({ app }, { lineWidth: 0 });
  const checked = parseManifest(yaml, file);
  if ('errors' in checked)
    throw new ImportRefusal(file, `the manifest it maps to is not valid: ${checked.errors.map(String).join('; ')}`);
  return { yaml, manifest: checked.manifest };
}

function importWorkload(workload: Plain, field: string): Plain {
  let metadata: Plain;
  let pod: Plain;
  let podField: string;
  if (workload.kind === 'Deployment') {
    const deployment = objectAt(workload, field, ['apiVersion', 'kind', 'metadata', 'spec']);
    metadata = objectAt(deployment.metadata, `${field}.metadata`, ['name', 'labels', 'annotations']);
    const spec = objectAt(deployment.spec, `${field}.spec`, ['replicas', 'strategy', 'selector', 'template']);
    if (spec.replicas !== undefined && spec.replicas !== 1) {
      throw new ImportRefusal(`${field}.spec.replicas`, 'podwarden runs one container per app: replicas must be 1');
    }
    const template = objectAt(spec.template, `${field}.spec.template`, ['metadata', 'spec']);
    pod = template.spec as Plain;
    podField = `${field}.spec.template.spec`;
  } else {
    const bare = objectAt(workload, field, ['apiVersion', 'kind', 'metadata', 'spec']);
    metadata = objectAt(bare.metadata, `${field}.metadata`, ['name', 'labels', 'annotations']);
    pod = bare.spec as Plain;
    podField = `${field}.spec`;
  }
  const id = stringAt(metadata.name, `${field}.metadata.name`);
  if (!APP_ID_PATTERN.test(id)) {
    throw new ImportRefusal(
      `${field}.metadata.name`,
      `"${id}" is not an app id (a-z, 0-9 and "-", starting with a letter, at most 40)`,
    );
  }
  const labels = isPlain(metadata.labels) ? metadata.labels : {};
  const spec = objectAt(pod, podField, [
    'containers',
    'initContainers',
    'volumes',
    'terminationGracePeriodSeconds',
    'restartPolicy',
    'hostNetwork',
  ]);
  if (spec.restartPolicy !== undefined && spec.restartPolicy !== 'Always') {
    throw new ImportRefusal(`${podField}.restartPolicy`, 'podwarden keeps apps running: only Always maps');
  }
  const volumes = importVolumes(spec.volumes, `${podField}.volumes`, id);
  const stop =
    spec.terminationGracePeriodSeconds === undefined
      ? undefined
      : numberAt(spec.terminationGracePeriodSeconds, `${podField}.terminationGracePeriodSeconds`);
  const containers = listAt(spec.containers, `${podField}.containers`);
  if (containers.length === 0) throw new ImportRefusal(`${podField}.containers`, 'no container');
  const main = importContainer(containers[0], `${podField}.containers[0]`, volumes, stop);
  if (spec.hostNetwork === true) main.container.network = 'host';
  const companions = containers
    .slice(1)
    .map((raw, i) => importCompanion(raw, `${podField}.containers[${i + 1}]`, volumes));
  const dependsOn = listAt(spec.initContainers, `${podField}.initContainers`).flatMap((raw, i) =>
    isSubPathDirs(raw, containers) ? [] : [importWait(raw, `${podField}.initContainers[${i}]`)],
  );
  const version =
    typeof labels['app.kubernetes.io/version'] === 'string'
      ? labels['app.kubernetes.io/version']
      : imageTag(main.container.image as string);
  return {
    id,
    name: id,
    version,
    container: main.container,
    ...(dependsOn.length > 0 ? { dependsOn } : {}),
    ...(companions.length > 0 ? { companions } : {}),
    ...(Object.keys(main.probes).length > 0 ? { probes: main.probes } : {}),
  };
}

function importVolumes(raw: unknown, field: string, app: string): Map<string, VolumeSource> {
  const volumes = new Map<string, VolumeSource>();
  listAt(raw, field).forEach((item, i) => {
    const at = `${field}[${i}]`;
    const volume = objectAt(item, at, ['name', 'persistentVolumeClaim', 'hostPath', 'emptyDir']);
    const name = stringAt(volume.name, `${at}.name`);
    if (volume.persistentVolumeClaim !== undefined) {
      const claim = stringAt(
        objectAt(volume.persistentVolumeClaim, `${at}.persistentVolumeClaim`, ['claimName']).claimName,
        `${at}.persistentVolumeClaim.claimName`,
      );
      // The export's naming: <app>-data is the data dir, <app>-<name> the named volume <name>.
      volumes.set(
        name,
        claim === `${app}-data`
          ? { kind: 'data', claim }
          : { kind: 'source', source: claim.startsWith(`${app}-`) ? claim.slice(app.length + 1) : claim },
      );
    } else if (volume.hostPath !== undefined) {
      const hostPath = objectAt(volume.hostPath, `${at}.hostPath`, ['path']);
      volumes.set(name, { kind: 'source', source: stringAt(hostPath.path, `${at}.hostPath.path`) });
    } else if (volume.emptyDir !== undefined) {
      const emptyDir = objectAt(volume.emptyDir, `${at}.emptyDir`, ['medium']);
      if (emptyDir.medium !== 'Memory')
        throw new ImportRefusal(`${at}.emptyDir`, 'only a memory emptyDir maps (to tmpfs)');
      volumes.set(name, { kind: 'tmpfs' });
    } else {
      throw new ImportRefusal(at, 'a volume without a claim, hostPath or emptyDir has no podwarden equivalent');
    }
  });
  return volumes;
}

function importCompanion(raw: unknown, field: string, volumes: ReadonlyMap<string, VolumeSource>): Plain {
  const name = stringAt(isPlain(raw) ? raw.name : undefined, `${field}.name`);
  const { container, probes } = importContainer(raw, field, volumes, undefined);
  for (const role of ['startup', 'readiness'] as const) {
    if (probes[role] !== undefined)
      throw new ImportRefusal(`${field}.${role}Probe`, 'a companion has a liveness check only (its healthcheck)');
  }
  const liveness = probes.liveness as Plain | undefined;
  if (liveness) {
    const exec = liveness.exec as { command: string[] } | undefined;
    if (!exec) throw new ImportRefusal(`${field}.livenessProbe`, "a companion's check is its healthcheck: exec only");
    if (liveness.successThreshold !== undefined && liveness.successThreshold !== 1) {
      throw new ImportRefusal(`${field}.livenessProbe.successThreshold`, 'a healthcheck passes on one success');
    }
    container.healthcheck = {
      test: ['CMD', ...exec.command],
      ...(liveness.interval ? { interval: liveness.interval } : {}),
      ...(liveness.timeout ? { timeout: liveness.timeout } : {}),
      ...(liveness.failureThreshold !== undefined ? { retries: liveness.failureThreshold } : {}),
      ...(liveness.startPeriod ? { startPeriod: liveness.startPeriod } : {}),
    };
  }
  return { id: name, container };
}

/**
 * The export's own `subpath-dirs`, exactly as the export writes it for these containers, says
 * nothing of its own (the export makes it again from the subPath mounts); any other is refused.
 */
function isSubPathDirs(raw: unknown, containers: unknown[]): boolean {
  if (!isPlain(raw) || raw.name !== SUBPATH_DIRS_CONTAINER || typeof raw.image !== 'string') return false;
  return isDeepStrictEqual(raw, subPathDirs(containers as KubeContainer[], raw.image));
}

/** Only the export's own waits map back: `wait-<app>`, which is `dependsOn: [<app>]`. */
function importWait(raw: unknown, field: string): string {
  const name = isPlain(raw) && typeof raw.name === 'string' ? raw.name : '';
  const dependency = /^wait-([a-z][a-z0-9-]*)$/.exec(name)?.[1];
  if (!dependency) {
    throw new ImportRefusal(
      field,
      `init container "${name}" does not map back (only the export's wait-<app> are dependsOn, and its subpath-dirs is made again; rendered files are written as app.files)`,
    );
  }
  return dependency;
}

function imageTag(image: string): string {
  const tag = /:([\w][\w.-]{0,63})$/.exec(image)?.[1];
  return tag ?? '0';
}
