import type { ParseResult } from './parse-manifest.js';
import { fromWire } from './parse-wire.js';
import { createReader, inlineReader, sharedReader, type Reader, type ReaderOptions } from './reader-thread.js';

/**
 * Parses manifest files off the daemon's event loop, on the reader thread (reader-thread.ts),
 * which also bounds what one file may cost: past its time or heap limit, the file is refused.
 */
export interface ManifestParser {
  parse(bytes: Uint8Array, file: string, maxBytes: number): Promise<ParseResult>;
  /** Ends the thread; a later parse starts a new one. */
  close(): Promise<void>;
}

export type ManifestParserOptions = ReaderOptions;

/** Manifests parsed by this reader. */
export function manifestParserOn(reader: Reader): ManifestParser {
  return {
    parse: (bytes, file, maxBytes) =>
      reader.read({ kind: 'manifest', file, bytes, maxBytes }).then((answer) => fromWire(answer)),
    close: () => reader.close(),
  };
}

/** Parses on the calling thread: for tools (replay, validate) where nothing else waits on the event loop. */
export const inlineManifestParser: ManifestParser = manifestParserOn(inlineReader);

/** The process's one reader thread, shared with the policy and desired-state checks. */
let shared: ManifestParser | undefined;
export function sharedManifestParser(): ManifestParser {
  shared ??= manifestParserOn(sharedReader());
  return shared;
}

export function createManifestParser(options: ManifestParserOptions = {}): ManifestParser {
  return manifestParserOn(createReader(options));
}
