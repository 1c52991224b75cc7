import { LABELS } from '../domain/labels.js';

/**
 * The labels every exported object carries. podwarden's own labels are kept (app, role,
 * companion) but never its owner label: a podwarden daemon on the same host lists containers by
 * owner, and must not take the ones `podman kube play` made for its own.
 */

/** The pod selector: stable for the app's whole life (a Deployment's selector cannot change). */
export function selectorLabels(appId: string): Record<string, string> {
  return { 'app.kubernetes.io/name': appId, [LABELS.app]: appId };
}

export function appLabels(
  appId: string,
  version: string,
  extra: Readonly<Record<string, string>>,
): Record<string, string> {
  return {
    ...selectorLabels(appId),
    'app.kubernetes.io/version': labelValue(version),
    'app.kubernetes.io/managed-by': 'podwarden',
    [LABELS.role]: 'app',
    ...extra,
  };
}

/** Annotation whose change rolls the Deployment when a rendered file changes. */
export const FILES_CHECKSUM_ANNOTATION = 'podwarden.io/files-checksum';

/** A label value: at most 63 characters of letters, digits, "-", "_" and "."; a version's "+" becomes "_". */
export function labelValue(text: string): string {
  return text
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}
