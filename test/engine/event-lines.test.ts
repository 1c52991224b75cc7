import { describe, expect, it } from 'vitest';
import { JsonStreamSplitter, type StreamItem } from '../../src/engine/dockerode/event-lines.js';
import { fixture } from './support/captured.js';

describe('JsonStreamSplitter', () => {
  const raw = fixture<unknown[]>('events-podman.json');
  const ndjson = Buffer.from(`${raw.map((e) => JSON.stringify(e)).join('\n')}\n`);

  function split(chunks: Array<Buffer | string>): StreamItem[] {
    const splitter = new JsonStreamSplitter();
    return [...chunks.flatMap((chunk) => splitter.push(chunk)), ...splitter.end()];
  }

  it('yields every object whatever the chunk boundaries', () => {
    for (const size of [1, 2, 3, 7, 64, 333, 4096, ndjson.length]) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < ndjson.length; at += size) chunks.push(ndjson.subarray(at, at + size));
      expect(split(chunks), `chunks of ${size} bytes`).toEqual(raw.map((json) => ({ json })));
    }
  });

  it('splits objects written back to back, and keeps braces inside strings', () => {
    const a = { stream: 'STEP 1/2: RUN echo "{" }\n' };
    const b = { error: 'a \\"quoted}\\" brace', nested: { list: [1, { x: '[' }] } };
    expect(split([`${JSON.stringify(a)}${JSON.stringify(b)}`])).toEqual([{ json: a }, { json: b }]);
  });

  it('reassembles a multi-byte character cut between chunks', () => {
    const bytes = Buffer.from(JSON.stringify({ name: 'ünïcode' }));
    const cut = bytes.indexOf(0xc3) + 1;
    expect(split([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual([{ json: { name: 'ünïcode' } }]);
  });

  it('returns text that is not JSON, and an unfinished object at the end, as text', () => {
    expect(split(['oops, a proxy page\n{"a":1}\n{"b":'])).toEqual([
      { text: 'oops, a proxy page' },
      { json: { a: 1 } },
      { text: '{"b":' },
    ]);
    expect(split(['{"a":1}\n', 'trailing words'])).toEqual([{ json: { a: 1 } }, { text: 'trailing words' }]);
  });
});
