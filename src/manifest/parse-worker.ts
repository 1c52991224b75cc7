import { parentPort } from 'node:worker_threads';
import { parseManifestBytes } from './parse-manifest.js';
import { toWire, type ParseRequest } from './parse-wire.js';

// The manifest parser's thread (see manifest-parser.ts): reads one file's bytes per message
// and answers with the manifest or its errors, as plain data.

const port = parentPort!;
port.on('message', (request: ParseRequest) => {
  port.postMessage({
    id: request.id,
    result: toWire(parseManifestBytes(request.bytes, request.file, request.maxBytes)),
  });
});
port.postMessage({ ready: true });
