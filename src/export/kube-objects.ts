/**
 * The Kubernetes objects the export writes: only the fields it sets, spelled as the API spells
 * them (core/v1 and apps/v1). The export's tests validate every document against the real
 * OpenAPI schema (kubernetes-models, a dev dependency), so these types never have to be trusted.
 */

export interface KubeMeta {
  name: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface KubeProbe {
  exec?: { command: string[] };
  httpGet?: { path: string; port: number };
  tcpSocket?: { port: number };
  initialDelaySeconds?: number;
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
  successThreshold: number;
}

export interface KubeVolumeMount {
  name: string;
  mountPath: string;
  subPath?: string;
  readOnly?: boolean;
}

export interface KubeContainer {
  name: string;
  image: string;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value: string }>;
  ports?: Array<{ containerPort: number; protocol: 'TCP' | 'UDP'; hostPort?: number; hostIP?: string }>;
  resources?: { requests: Record<string, string>; limits: Record<string, string> };
  securityContext?: { runAsUser?: number; runAsGroup?: number; capabilities?: { add: string[] } };
  startupProbe?: KubeProbe;
  livenessProbe?: KubeProbe;
  readinessProbe?: KubeProbe;
  volumeMounts?: KubeVolumeMount[];
}

export type KubeVolume =
  | { name: string; persistentVolumeClaim: { claimName: string; readOnly?: boolean } }
  | { name: string; hostPath: { path: string } }
  | { name: string; emptyDir: { medium: 'Memory' } }
  | { name: string; secret: { secretName: string } }
  | { name: string; configMap: { name: string } };

export interface KubePodSpec {
  hostNetwork?: boolean;
  terminationGracePeriodSeconds: number;
  restartPolicy?: 'Always';
  initContainers?: KubeContainer[];
  containers: KubeContainer[];
  volumes?: KubeVolume[];
}

export interface KubePod {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: KubeMeta;
  spec: KubePodSpec;
}

export interface KubeDeployment {
  apiVersion: 'apps/v1';
  kind: 'Deployment';
  metadata: KubeMeta;
  spec: {
    replicas: 1;
    strategy: { type: 'Recreate' };
    selector: { matchLabels: Record<string, string> };
    template: { metadata: Omit<KubeMeta, 'name'>; spec: KubePodSpec };
  };
}

export interface KubeService {
  apiVersion: 'v1';
  kind: 'Service';
  metadata: KubeMeta;
  spec: {
    selector: Record<string, string>;
    ports: Array<{ name: string; port: number; targetPort: number; protocol: 'TCP' | 'UDP' }>;
  };
}

export interface KubeClaim {
  apiVersion: 'v1';
  kind: 'PersistentVolumeClaim';
  metadata: KubeMeta;
  spec: { accessModes: ['ReadWriteOnce']; resources: { requests: { storage: string } } };
}

export interface KubeSecret {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: KubeMeta;
  type: 'Opaque';
  stringData: Record<string, string>;
}

export interface KubeConfigMap {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: KubeMeta;
  data: Record<string, string>;
}

export type KubeDocument = KubePod | KubeDeployment | KubeService | KubeClaim | KubeSecret | KubeConfigMap;
