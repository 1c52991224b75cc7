import { createServer } from 'node:net';

/**
 * A TCP port on 127.0.0.1 that nothing listens on right now, chosen by the OS (listen on port
 * 0, read it back, close). A random number in a range may already be taken by another test or
 * service on a shared machine; this one was free a moment ago, which is the best a test can get.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not learn the port the OS chose'));
      });
    });
  });
}
