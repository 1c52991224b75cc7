/** `12:03:04` in UTC, as every time in an explanation. */
export function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}
