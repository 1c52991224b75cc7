/**
 * Sizes as manifests and flags write them: "2GiB", "500MiB", "1.5GB", "4096" (bytes). Binary
 * (KiB, MiB, GiB, TiB) and decimal (kB, MB, GB, TB) units both mean what they say; a bare
 * "G"/"M"/"K" is read as binary, the way `df -h` and podman print sizes.
 */

import { excerpt } from './excerpt.js';

const UNIT_BYTES: Record<string, number> = {
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1000 ** 4,
  tib: 1024 ** 4,
};

const SIZE = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;

export class SizeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SizeError';
  }
}

const HINT = 'use a number with a unit (500MiB, 2GiB, 1.5GB) or a plain number of bytes';

/** Bytes, rounded down to a whole number. Throws a SizeError naming the bad input. */
export function parseSize(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isSafeInteger(input) || input < 0) throw new SizeError(`invalid size ${input}: ${HINT}`);
    return input;
  }
  const match = SIZE.exec(input.trim());
  const unit = match ? (match[2] ?? '').toLowerCase() : '';
  const factor = unit === '' ? 1 : UNIT_BYTES[unit];
  if (!match || factor === undefined) throw new SizeError(`invalid size ${excerpt(input)}: ${HINT}`);
  const bytes = Math.floor(Number(match[1]) * factor);
  if (!Number.isSafeInteger(bytes)) throw new SizeError(`invalid size ${excerpt(input)}: too large`);
  return bytes;
}

/** For messages: 1288490188 → "1.2 GiB", 512 → "512 B". */
export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const text = unit === 0 || value >= 10 || Number.isInteger(value) ? String(Math.round(value)) : value.toFixed(1);
  return `${text} ${units[unit]}`;
}
