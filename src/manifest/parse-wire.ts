import { ManifestError } from './errors.js';
import type { ParseResult } from './parse-manifest.js';

// What crosses between the daemon and the parser thread: plain data only (a ManifestError
// would arrive as a bare object without its methods).

export interface ParseRequest {
  id: number;
  file: string;
  bytes: Uint8Array;
  maxBytes: number;
}

export type WireResult =
  | { manifest: Extract<ParseResult, { manifest: unknown }>['manifest'] }
  | { errors: ReturnType<ManifestError['toJSON']>[]; claimedId?: string };

export function toWire(result: ParseResult): WireResult {
  if ('manifest' in result) return result;
  return {
    errors: result.errors.map((error) => error.toJSON()),
    ...(result.claimedId !== undefined ? { claimedId: result.claimedId } : {}),
  };
}

export function fromWire(result: WireResult): ParseResult {
  if ('manifest' in result) return result;
  return {
    errors: result.errors.map((error) => new ManifestError(error)),
    ...(result.claimedId !== undefined ? { claimedId: result.claimedId } : {}),
  };
}
