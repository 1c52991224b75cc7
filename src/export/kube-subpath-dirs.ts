import type { KubeContainer } from './kube-objects.js';

/** The name of the init container that makes the pod's `subPath` directories. */
export const SUBPATH_DIRS_CONTAINER = 'subpath-dirs';

/** Makes every directory given as an argument, as podwarden makes an app's data folders (mode 0750). */
const SUBPATH_DIRS_SCRIPT = 'umask 027; mkdir -p "$@"';

/** Where the init container mounts each volume whose subPaths it makes (as `<root>/<volume>`). */
const MOUNT_ROOT = '/podwarden/volumes';

/**
 * The init container `subpath-dirs`, first of the pod: it makes every directory that the pod's
 * containers mount by `subPath` (`./plugins:/data/plugins` is the subPath `plugins` of the data
 * claim). kubelet makes a missing subPath by itself, but podman's kube play (5.4) does not and
 * fails the container ("no such file or directory"); made here, a fresh claim works on both.
 *
 * As podwarden makes them on its host before a create: mode 0750, an existing one left as it
 * is, owned by root. It runs as root (`runAsUser: 0`, whatever the helper image's user): the top
 * of a fresh claim belongs to root on podman and on k3s' local-path. It mounts each volume
 * whole, never by subPath, and each path is an argument, never spliced into the script.
 * Undefined when no container mounts a subPath.
 */
export function subPathDirs(containers: readonly KubeContainer[], helperImage: string): KubeContainer | undefined {
  const byVolume = new Map<string, Set<string>>();
  for (const mount of containers.flatMap((container) => container.volumeMounts ?? [])) {
    if (mount.subPath === undefined) continue;
    const paths = byVolume.get(mount.name) ?? new Set<string>();
    paths.add(mount.subPath);
    byVolume.set(mount.name, paths);
  }
  if (byVolume.size === 0) return undefined;
  const dirs = [...byVolume].flatMap(([volume, paths]) => [...paths].map((p) => `${MOUNT_ROOT}/${volume}/${p}`));
  return {
    name: SUBPATH_DIRS_CONTAINER,
    image: helperImage,
    command: ['sh', '-c', SUBPATH_DIRS_SCRIPT, SUBPATH_DIRS_CONTAINER, ...dirs],
    securityContext: { runAsUser: 0 },
    volumeMounts: [...byVolume.keys()].map((volume) => ({ name: volume, mountPath: `${MOUNT_ROOT}/${volume}` })),
  };
}
