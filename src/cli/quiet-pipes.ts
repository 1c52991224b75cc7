/**
 * `podwarden --help | head -1`: once the reader has gone, a write fails with EPIPE, emitted
 * on the stream; unhandled, it ended the CLI with a stack trace. Nobody is left to read
 * anything, so the CLI stops at once, quietly, with the exit code it had so far.
 */
export function quietOnClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit();
      throw error;
    });
  }
}
