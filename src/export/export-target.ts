/**
 * Where an export will run: Kubernetes (k3s, any cluster), or `podman kube play`, which runs
 * less of it (podman 4.3: no init containers, no `subPath`, no Secret volumes) and reads some
 * fields its own way (exec probes).
 */
export type ExportTarget = 'kubernetes' | 'podman';
