import type { Plain } from './kube-reader.js';
import { ImportRefusal, listAt, numberAt, objectAt, quantityAt, stringAt, stringListAt } from './kube-reader.js';

/** How one pod volume reads back: a volume line's source, or tmpfs. */
export type VolumeSource = { kind: 'source'; source: string } | { kind: 'data'; claim: string } | { kind: 'tmpfs' };

const CONTAINER_KEYS = [
  'name',
  'image',
  'imagePullPolicy',
  'command',
  'args',
  'env',
  'ports',
  'resources',
  'securityContext',
  'startupProbe',
  'livenessProbe',
  'readinessProbe',
  'volumeMounts',
];
const PULL_POLICIES: Record<string, string> = { Always: 'always', IfNotPresent: 'if-not-present', Never: 'never' };

/**
 * One container back into a manifest's `container` (and its probes, for the app): the inverse of
 * kube-container.ts, refusing what has no manifest field.
 */
export function importContainer(
  raw: unknown,
  field: string,
  volumes: ReadonlyMap<string, VolumeSource>,
  stopTimeoutSeconds: number | undefined,
): { container: Plain; probes: Plain } {
  const c = objectAt(raw, field, CONTAINER_KEYS);
  const container: Plain = { image: stringAt(c.image, `${field}.image`) };
  if (c.imagePullPolicy !== undefined) {
    const policy = PULL_POLICIES[stringAt(c.imagePullPolicy, `${field}.imagePullPolicy`)];
    if (!policy) throw new ImportRefusal(`${field}.imagePullPolicy`, 'expected Always, IfNotPresent or Never');
    container.pullPolicy = policy;
  }
  if (c.command !== undefined) container.entrypoint = stringListAt(c.command, `${field}.command`);
  if (c.args !== undefined) container.command = stringListAt(c.args, `${field}.args`);
  const env: Plain = {};
  listAt(c.env, `${field}.env`).forEach((item, i) => {
    const entry = objectAt(item, `${field}.env[${i}]`, ['name', 'value']);
    env[stringAt(entry.name, `${field}.env[${i}].name`)] = stringAt(entry.value ?? '', `${field}.env[${i}].value`);
  });
  if (Object.keys(env).length > 0) container.env = env;
  const ports = listAt(c.ports, `${field}.ports`).map((item, i) => importPort(item, `${field}.ports[${i}]`));
  if (ports.length > 0) container.ports = ports;
  const mounts = listAt(c.volumeMounts, `${field}.volumeMounts`);
  const volumeLines: string[] = [];
  const tmpfs: string[] = [];
  mounts.forEach((item, i) => {
    const at = `${field}.volumeMounts[${i}]`;
    const mount = objectAt(item, at, ['name', 'mountPath', 'subPath', 'readOnly']);
    const name = stringAt(mount.name, `${at}.name`);
    const target = stringAt(mount.mountPath, `${at}.mountPath`);
    const volume = volumes.get(name);
    if (!volume) throw new ImportRefusal(`${at}.name`, `no volume "${name}" in the pod`);
    const ro = mount.readOnly === true ? ':ro' : '';
    const subPath = mount.subPath === undefined ? undefined : stringAt(mount.subPath, `${at}.subPath`);
    if (volume.kind === 'tmpfs') tmpfs.push(target);
    else if (volume.kind === 'data') volumeLines.push(`./${subPath ?? '.'}:${target}${ro}`.replace(/^\.\/\.:/, '.:'));
    else if (subPath !== undefined)
      throw new ImportRefusal(`${at}.subPath`, 'only the data claim can be mounted in parts');
    else volumeLines.push(`${volume.source}:${target}${ro}`);
  });
  if (volumeLines.length > 0) container.volumes = volumeLines;
  if (tmpfs.length > 0) container.tmpfs = tmpfs;
  if (c.resources !== undefined) container.resources = importResources(c.resources, `${field}.resources`);
  if (c.securityContext !== undefined)
    Object.assign(container, importSecurity(c.securityContext, `${field}.securityContext`));
  if (stopTimeoutSeconds !== undefined) container.stopTimeout = `${stopTimeoutSeconds}s`;
  const probes: Plain = {};
  for (const role of ['startup', 'liveness', 'readiness'] as const) {
    const probe = c[`${role}Probe`];
    if (probe !== undefined) probes[role] = importProbe(probe, `${field}.${role}Probe`);
  }
  return { container, probes };
}

function importPort(raw: unknown, field: string): Plain {
  const port = objectAt(raw, field, ['containerPort', 'protocol', 'hostPort', 'hostIP', 'name']);
  if (port.hostPort === undefined) {
    throw new ImportRefusal(
      `${field}.hostPort`,
      'missing: podwarden publishes every port it is given on the host; add the hostPort to publish it',
    );
  }
  const protocol = port.protocol === undefined ? 'TCP' : stringAt(port.protocol, `${field}.protocol`);
  if (protocol !== 'TCP' && protocol !== 'UDP')
    throw new ImportRefusal(`${field}.protocol`, `${protocol} is not tcp or udp`);
  return {
    host: numberAt(port.hostPort, `${field}.hostPort`),
    container: numberAt(port.containerPort, `${field}.containerPort`),
    protocol: protocol.toLowerCase(),
    ...(port.hostIP !== undefined ? { hostIp: stringAt(port.hostIP, `${field}.hostIP`) } : {}),
  };
}

function importResources(raw: unknown, field: string): Plain {
  const resources = objectAt(raw, field, ['requests', 'limits']);
  const limits = objectAt(resources.limits ?? {}, `${field}.limits`, ['memory', 'cpu']);
  const requests = objectAt(resources.requests ?? {}, `${field}.requests`, ['memory', 'cpu']);
  for (const key of ['memory', 'cpu'] as const) {
    if (requests[key] !== undefined && String(requests[key]) !== String(limits[key])) {
      throw new ImportRefusal(`${field}.requests.${key}`, 'podwarden has limits only: a request must equal its limit');
    }
  }
  return {
    ...(limits.memory !== undefined ? { memory: quantityAt(limits.memory, `${field}.limits.memory`) } : {}),
    ...(limits.cpu !== undefined ? { cpus: quantityAt(limits.cpu, `${field}.limits.cpu`) } : {}),
  };
}

function importSecurity(raw: unknown, field: string): Plain {
  const context = objectAt(raw, field, ['runAsUser', 'runAsGroup', 'capabilities']);
  const out: Plain = {};
  if (context.runAsUser !== undefined) {
    const user = numberAt(context.runAsUser, `${field}.runAsUser`);
    out.user =
      context.runAsGroup === undefined
        ? String(user)
        : `${user}:${numberAt(context.runAsGroup, `${field}.runAsGroup`)}`;
  } else if (context.runAsGroup !== undefined) {
    throw new ImportRefusal(`${field}.runAsGroup`, 'podwarden sets a group only with a user (runAsUser)');
  }
  if (context.capabilities !== undefined) {
    const capabilities = objectAt(context.capabilities, `${field}.capabilities`, ['add']);
    out.capAdd = stringListAt(capabilities.add, `${field}.capabilities.add`);
  }
  return out;
}

function importProbe(raw: unknown, field: string): Plain {
  const probe = objectAt(raw, field, [
    'exec',
    'httpGet',
    'tcpSocket',
    'initialDelaySeconds',
    'periodSeconds',
    'timeoutSeconds',
    'failureThreshold',
    'successThreshold',
  ]);
  const out: Plain = {};
  if (probe.exec !== undefined) {
    out.exec = {
      command: stringListAt(objectAt(probe.exec, `${field}.exec`, ['command']).command, `${field}.exec.command`),
    };
  }
  if (probe.httpGet !== undefined) {
    const http = objectAt(probe.httpGet, `${field}.httpGet`, ['path', 'port']);
    out.http = {
      path: stringAt(http.path ?? '/', `${field}.httpGet.path`),
      port: numberAt(http.port, `${field}.httpGet.port`),
    };
  }
  if (probe.tcpSocket !== undefined) {
    out.tcp = {
      port: numberAt(objectAt(probe.tcpSocket, `${field}.tcpSocket`, ['port']).port, `${field}.tcpSocket.port`),
    };
  }
  const seconds = (key: string) =>
    probe[key] === undefined ? undefined : `${numberAt(probe[key], `${field}.${key}`)}s`;
  const timing: Plain = {
    interval: seconds('periodSeconds'),
    timeout: seconds('timeoutSeconds'),
    startPeriod: seconds('initialDelaySeconds'),
    failureThreshold: probe.failureThreshold,
    successThreshold: probe.successThreshold,
  };
  for (const [key, value] of Object.entries(timing)) if (value !== undefined) out[key] = value;
  return out;
}
