import { StringDecoder } from 'node:string_decoder';

/** One top-level value found in a stream: parsed JSON, or text that is not JSON. */
export type StreamItem = { json: unknown } | { text: string };

/**
 * Splits the body of an engine stream (events, pull and build progress) into its JSON values.
 *
 * Chunk boundaries carry no meaning on these streams: one chunk may end mid-object or mid
 * UTF-8 character, and one chunk may hold several objects. Podman and Docker separate
 * objects with `\n`, but older Docker builders wrote `}{` with no separator, so the split
 * follows the JSON structure (brace depth outside strings) instead of trusting newlines.
 * Anything outside an object (a proxy's error page, say) comes back as `text` so a caller
 * can report it rather than lose it.
 */
export class JsonStreamSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  /** Scan state over `pending`, kept across chunks so each character is read once. */
  private scanned = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private objectStart = -1;

  push(chunk: Buffer | string): StreamItem[] {
    this.pending += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    return this.drain(false);
  }

  /** Flushes what is left when the stream ended; an unfinished object comes back as text. */
  end(): StreamItem[] {
    this.pending += this.decoder.end();
    return this.drain(true);
  }

  private drain(final: boolean): StreamItem[] {
    const items: StreamItem[] = [];
    const text = this.pending;
    let consumed = 0;
    for (let i = this.scanned; i < text.length; i++) {
      const ch = text[i];
      if (this.depth === 0) {
        if (ch === '{' || ch === '[') {
          const stray = text.slice(consumed, i).trim();
          if (stray !== '') items.push({ text: stray });
          consumed = i;
          this.objectStart = i;
          this.depth = 1;
        }
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (ch === '\\') this.escaped = true;
        else if (ch === '"') this.inString = false;
        continue;
      }
      if (ch === '"') this.inString = true;
      else if (ch === '{' || ch === '[') this.depth++;
      else if (ch === '}' || ch === ']') {
        this.depth--;
        if (this.depth === 0) {
          const raw = text.slice(this.objectStart, i + 1);
          items.push(parseItem(raw));
          consumed = i + 1;
          this.objectStart = -1;
        }
      }
    }
    if (this.depth === 0) {
      // Between objects only whitespace is expected; keep a non-blank tail for the next chunk
      // unless the stream is over.
      const rest = text.slice(consumed);
      if (final) {
        if (rest.trim() !== '') items.push({ text: rest.trim() });
        this.pending = '';
        this.scanned = 0;
      } else {
        const trimmed = rest.trim() === '' ? '' : rest;
        this.pending = trimmed;
        this.scanned = trimmed.length;
      }
    } else if (final) {
      items.push({ text: text.slice(this.objectStart) });
      this.reset();
    } else {
      this.pending = text.slice(this.objectStart);
      this.scanned = this.pending.length;
      this.objectStart = 0;
    }
    return items;
  }

  private reset(): void {
    this.pending = '';
    this.scanned = 0;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.objectStart = -1;
  }
}

function parseItem(raw: string): StreamItem {
  try {
    return { json: JSON.parse(raw) as unknown };
  } catch {
    return { text: raw };
  }
}
