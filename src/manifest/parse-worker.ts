import { parentPort } from 'node:worker_threads';
import type { ReadRequest } from './parse-wire.js';
import { runReadJob } from './read-job.js';

// The reader thread (see reader-thread.ts): checks one thing read from disk per message
// (a manifest, the policy file, desired.json) and answers as plain data.

const port = parentPort!;
port.on('message', (request: ReadRequest) => {
  void runReadJob(request).then((result) => port.postMessage({ id: request.id, result }));
});
port.postMessage({ ready: true });
