/** What the export could not say in Kubernetes' words: the app, the manifest field, and why. */
export interface ExportWarning {
  app: string;
  /** The manifest field, as `podwarden validate` names it (e.g. `container.healthcheck`). */
  field: string;
  message: string;
}

export function warningText(warning: ExportWarning): string {
  return `${warning.app}: ${warning.field}: ${warning.message}`;
}
