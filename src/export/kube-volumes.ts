import type { VolumeMount } from '../manifest/field-formats.js';
import type { ExportWarning } from './export-warning.js';
import type { KubeClaim, KubeVolume, KubeVolumeMount } from './kube-objects.js';
import { byteQuantity } from './kube-quantities.js';

/** Size of a claim when the manifest's `requirements.disk` says nothing. */
export const DEFAULT_CLAIM_BYTES = 1024 ** 3;

/**
 * The volumes of one app's pod, shared by the app and its companions (a companion mounting
 * `./data` sees the app's data, as under podwarden). The app's data directory is one claim,
 * `<app>-data`, each `./x` mount a `subPath` of it; a named volume is its own claim
 * `<app>-<name>` (podwarden prefixes named volumes per app too); a host path is a `hostPath`
 * (the owner's policy already allowed it, or the catalog would not have loaded the app);
 * tmpfs is a memory `emptyDir`.
 */
export class PodVolumes {
  private readonly volumes = new Map<string, KubeVolume>();
  private readonly claimList: KubeClaim[] = [];
  readonly warnings: ExportWarning[] = [];

  constructor(
    private readonly appId: string,
    private readonly claimBytes: number,
    private readonly labels: Record<string, string>,
  ) {}

  /** The mount of one manifest volume line, adding its volume (and claim) on first use. */
  mount(volume: VolumeMount, field: string): KubeVolumeMount {
    const readOnly = volume.readOnly ? { readOnly: true } : {};
    switch (volume.kind) {
      case 'app-data': {
        const name = this.dataVolume();
        return {
          name,
          mountPath: volume.target,
          ...(volume.source === '.' ? {} : { subPath: volume.source }),
          ...readOnly,
        };
      }
      case 'named': {
        const name = this.claimVolume(`${this.appId}-${dnsPart(volume.source)}`, `vol-${dnsPart(volume.source)}`);
        return { name, mountPath: volume.target, ...readOnly };
      }
      case 'host': {
        const name = this.add(`host-${dnsPart(volume.source)}`, (n) => ({
          name: n,
          hostPath: { path: volume.source },
        }));
        this.warnings.push({
          app: this.appId,
          field,
          message: `host path ${volume.source} is the node's: on a cluster it exists only on the node the pod lands on`,
        });
        return { name, mountPath: volume.target, ...readOnly };
      }
    }
  }

  tmpfs(target: string): KubeVolumeMount {
    const name = this.add(`tmp-${dnsPart(target)}`, (n) => ({ name: n, emptyDir: { medium: 'Memory' } }));
    return { name, mountPath: target };
  }

  /** The volume of the app's data directory (its claim is made on first use). */
  dataVolume(): string {
    return this.claimVolume(`${this.appId}-data`, 'data');
  }

  /** A volume that is not a claim (rendered files' Secret or ConfigMap), by its wanted name. */
  other(volume: KubeVolume): string {
    return this.add(volume.name, (name) => ({ ...volume, name }));
  }

  list(): KubeVolume[] {
    return [...this.volumes.values()];
  }

  claims(): KubeClaim[] {
    return this.claimList;
  }

  private claimVolume(claimName: string, volumeName: string): string {
    return this.add(
      volumeName,
      (name) => {
        this.claimList.push({
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: claimName, labels: this.labels },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: byteQuantity(this.claimBytes) } } },
        });
        return { name, persistentVolumeClaim: { claimName } };
      },
      `claim:${claimName}`,
    );
  }

  /** Adds a volume once per key (default: its name); a name taken by another key gets a number. */
  private add(wanted: string, make: (name: string) => KubeVolume, key = `name:${wanted}`): string {
    const known = this.volumes.get(key);
    if (known) return known.name;
    const taken = new Set([...this.volumes.values()].map((volume) => volume.name));
    let name = wanted.slice(0, 63);
    for (let i = 2; taken.has(name); i++) name = `${wanted.slice(0, 60)}-${i}`;
    const volume = make(name);
    this.volumes.set(key, volume);
    return volume.name;
  }
}

/** A piece of a DNS label: lower case letters, digits and "-", no "-" at either end. */
export function dnsPart(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40)
      .replace(/-+$/, '') || 'x'
  );
}
