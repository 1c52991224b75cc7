/** What podwarden asks the engine to run: one container, as a manifest and the owner's policy made it. */

export interface PortBinding {
  hostIp?: string;
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

export interface Mount {
  /** An absolute host path (bind mount) or a named volume. */
  source: string;
  target: string;
  readOnly: boolean;
}

export interface ContainerSpec {
  name: string;
  image: string;
  command?: string[];
  entrypoint?: string[];
  env: Record<string, string>;
  labels: Record<string, string>;
  ports: PortBinding[];
  mounts: Mount[];
  tmpfs: string[];
  network?: string;
  user?: string;
  capAdd: string[];
  stopTimeoutSeconds?: number;
  /** Passed to the engine as an image-style health check (exec form). */
  healthcheck?: {
    test: string[];
    intervalSeconds: number;
    timeoutSeconds: number;
    retries: number;
    startPeriodSeconds: number;
  };
  /** Limits the engine enforces (HostConfig Memory / NanoCpus); absent = unlimited. */
  resources?: ContainerResources;
}

export interface ContainerResources {
  /** Hard memory limit: the kernel kills the process (exit 137) when it needs more. */
  memoryBytes?: number;
  /** CPU share in cores, e.g. 0.5 = half a core. */
  cpus?: number;
}
