// Server-Sent Events read with fetch: EventSource cannot send the bearer token the TCP API wants.

/** An answer other than 2xx, with the daemon's own message. */
export class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** fetch with the token (when there is one), failing with the daemon's message on a non-2xx. */
export async function request(path, token, signal) {
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  const response = await fetch(new URL(path, location.href), { headers, signal, cache: 'no-store' });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      message = (await response.json()).error.message;
    } catch {
      // Not podwarden's JSON error: the status line says enough.
    }
    throw new HttpError(response.status, message);
  }
  return response;
}

/** Reads `path` as an event stream, calling onEvent(name, data) for each event, until it ends. */
export async function readEvents(path, token, onEvent, signal) {
  const response = await request(path, token, signal);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue; // a keepalive
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') name = text;
        else if (field === 'data') data.push(text);
      }
      if (data.length > 0) onEvent(name, JSON.parse(data.join('\n')));
    }
  }
}
