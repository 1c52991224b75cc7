/**
 * How long ago, as kubectl's AGE column says it (k8s.io/apimachinery `HumanDuration`): `45s`,
 * `5m12s`, `17m`, `3h12m`, `20h`, `2d3h`, `40d`, `2y10d`; precise when recent, coarser with
 * time. `-` when unknown; `0s` for a time a little ahead (clocks a moment apart).
 */
export function age(since: number | undefined, now: number = Date.now()): string {
  if (since === undefined) return '-';
  return duration(Math.max(0, now - since));
}

/** A span in kubectl's words (see `age`); also says how long until a retry. */
export function duration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return both(minutes, 'm', seconds % 60, 's');
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return both(hours, 'h', minutes % 60, 'm');
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) return both(days, 'd', hours % 24, 'h');
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8) return both(years, 'y', days % 365, 'd');
  return `${years}y`;
}

function both(big: number, bigUnit: string, small: number, smallUnit: string): string {
  return small === 0 ? `${big}${bigUnit}` : `${big}${bigUnit}${small}${smallUnit}`;
}
