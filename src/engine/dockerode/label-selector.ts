/** True when `labels` carries every key=value of `selector`. */
export function hasLabels(labels: Record<string, string>, selector: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

/** `{a: '1'}` → `['a=1']`, the form the engines' `label` filters take. */
export function labelFilters(selector: Record<string, string>): string[] {
  return Object.entries(selector).map(([key, value]) => `${key}=${value}`);
}
