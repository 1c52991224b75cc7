// Module hooks for main-thread-probe.ts: report every module the registering thread resolves.
// Registered from the main thread only; a worker's own loads are not reported here (Node 20).
let port;

export function initialize(data) {
  port = data.port;
}

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  port.postMessage(resolved.url);
  return resolved;
}
