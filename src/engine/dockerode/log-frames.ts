import type { LogLine } from '../port.js';

const HEADER_BYTES = 8;

/**
 * Splits the body of `GET /containers/{id}/logs` into lines. Without a TTY (podwarden never
 * asks for one) podman and Docker multiplex both streams into frames: one byte stream type
 * (1 stdout, 2 stderr), three zero bytes, a big-endian 32-bit length, then the payload.
 * Frames and lines may be cut anywhere by the transport, so both are reassembled here.
 */
export class LogFrameSplitter {
  private pending: Buffer = Buffer.alloc(0);
  private readonly partial: Record<LogLine['stream'], string> = { stdout: '', stderr: '' };

  push(chunk: Buffer): LogLine[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const lines: LogLine[] = [];
    while (this.pending.length >= HEADER_BYTES) {
      const kind = this.pending[0];
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < HEADER_BYTES + size) break;
      const payload = this.pending.subarray(HEADER_BYTES, HEADER_BYTES + size).toString('utf8');
      this.pending = this.pending.subarray(HEADER_BYTES + size);
      lines.push(...this.text(kind === 2 ? 'stderr' : 'stdout', payload));
    }
    return lines;
  }

  /** The end of the body: a last line without its newline still counts. */
  flush(): LogLine[] {
    const lines: LogLine[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream] !== '') lines.push({ stream, text: this.partial[stream] });
      this.partial[stream] = '';
    }
    return lines;
  }

  private text(stream: LogLine['stream'], payload: string): LogLine[] {
    const parts = (this.partial[stream] + payload).split('\n');
    this.partial[stream] = parts.pop() ?? '';
    return parts.map((text) => ({ stream, text: text.replace(/\r$/, '') }));
  }
}
