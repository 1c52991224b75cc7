import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import type { KubeDocument } from '../../src/export/kube-objects.js';

/**
 * Kubernetes' own OpenAPI schema (v1.33.0, as generated into kubernetes-models 4.5.1), one
 * model per kind the export writes. `validate()` throws naming the path that is wrong.
 */
const MODELS = {
  ConfigMap,
  PersistentVolumeClaim,
  Pod,
  Secret,
  Service,
  Deployment,
} as const;

export const SCHEMA_VERSION = '1.33.0';

/** Throws unless every document is valid against its kind's schema. */
export function validateAgainstSchema(documents: readonly KubeDocument[]): void {
  for (const document of documents) {
    const Model = MODELS[document.kind] as unknown as new (data: unknown) => { validate(): void };
    try {
      new Model(document).validate();
    } catch (error) {
      throw new Error(
        `${document.kind} ${document.metadata.name} is not valid Kubernetes ${SCHEMA_VERSION}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }
}
