import * as z from 'zod';
import type { ProbeSpec } from '../../machines/types.js';
import { describeValue } from './errors.js';
import { FIELD_LIMITS } from './limits.js';
import { boundedString, durationSchema, portNumber, positiveDuration, stringList } from './schema-fields.js';

// `app.probes`: podwarden's own startup, liveness and readiness checks (kubelet's model).

const wholeAtLeastOne = (field: string) =>
  z
    .number()
    .int({ error: `${field} must be a whole number` })
    .min(1, { error: `${field} must be at least 1` });

const probeCheckFields = {
  http: z
    .strictObject({
      path: boundedString('path', FIELD_LIMITS.path).startsWith('/', { error: 'path must start with "/"' }),
      port: portNumber,
      expectStatus: z
        .number()
        .int()
        .min(100, { error: 'expectStatus must be an HTTP status (100-599)' })
        .max(599, { error: 'expectStatus must be an HTTP status (100-599)' })
        .optional(),
    })
    .optional(),
  tcp: z.strictObject({ port: portNumber }).optional(),
  exec: z.strictObject({ command: stringList('command', '[cat, /tmp/healthy]') }).optional(),
};

/** One probe: exactly one of http/tcp/exec, with kubelet's timing defaults. */
const probeSchema = z
  .strictObject({
    ...probeCheckFields,
    interval: positiveDuration('interval').default(10_000),
    timeout: positiveDuration('timeout').default(1_000),
    failureThreshold: wholeAtLeastOne('failureThreshold').default(3),
    successThreshold: wholeAtLeastOne('successThreshold').default(1),
    startPeriod: durationSchema.default(0),
  })
  .superRefine((probe, ctx) => {
    const kinds = (['http', 'tcp', 'exec'] as const).filter((kind) => probe[kind] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `a probe needs exactly one of "http", "tcp" or "exec", found ${kinds.length === 0 ? 'none' : kinds.join(' and ')}`,
      });
    }
  })
  .transform((probe): ProbeSpec => ({
    check: probe.http
      ? {
          kind: 'http',
          path: probe.http.path,
          port: probe.http.port,
          ...(probe.http.expectStatus !== undefined ? { expectStatus: probe.http.expectStatus } : {}),
        }
      : probe.tcp
        ? { kind: 'tcp', port: probe.tcp.port }
        : { kind: 'exec', command: probe.exec!.command },
    intervalMs: probe.interval,
    timeoutMs: probe.timeout,
    failureThreshold: probe.failureThreshold,
    successThreshold: probe.successThreshold,
    startPeriodMs: probe.startPeriod,
  }));

export const probesSchema = z.strictObject({
  startup: probeSchema.optional(),
  liveness: probeSchema.optional(),
  readiness: probeSchema.optional(),
  onLivenessFailure: z
    .enum(['restart', 'recreate'], {
      error: (iss) => `expected "restart" or "recreate", got ${describeValue(iss.input)}`,
    })
    .default('restart'),
  /** Without a declared liveness probe, run the container's own health check (its image's HEALTHCHECK) as one. */
  imageHealthcheck: z.boolean({ error: 'imageHealthcheck must be true or false' }).default(true),
});
