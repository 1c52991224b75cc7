/** `docker exec` through dockerode: create, start attached, demultiplex, read the exit code. */
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { EngineError } from '../../domain/engine-error.js';
import { EXEC_OUTPUT_LIMIT, type ExecResult } from '../port.js';

/** podman may answer inspect of a just-ended exec as still running for a few ms. */
const EXIT_CODE_POLL_MS = 20;
const EXIT_CODE_POLLS = 50;

export async function runExec(
  container: Docker.Container,
  command: string[],
  timeoutMs: number,
  abortSignal: AbortSignal,
): Promise<ExecResult> {
  const exec = await container.exec({ Cmd: command, AttachStdout: true, AttachStderr: true, abortSignal });
  // The signal ends a start the engine never answers; once open, the timer below bounds the stream.
  const stream = await exec.start({ hijack: true, stdin: false, abortSignal });
  let output = '';
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => {
    if (output.length < EXEC_OUTPUT_LIMIT) output = (output + chunk.toString('utf8')).slice(0, EXEC_OUTPUT_LIMIT);
  });
  container.modem.demuxStream(stream, sink, sink);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.destroy();
      reject(new EngineError('engine', `${JSON.stringify(command.join(' '))} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    stream.once('end', done);
    stream.once('close', done);
    stream.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  for (let poll = 0; poll < EXIT_CODE_POLLS; poll += 1) {
    const info = await exec.inspect({ abortSignal });
    if (!info.Running && typeof info.ExitCode === 'number') return { exitCode: info.ExitCode, output };
    await new Promise((resolve) => setTimeout(resolve, EXIT_CODE_POLL_MS));
  }
  throw new EngineError('engine', `${JSON.stringify(command.join(' '))} ended but the engine reported no exit code`);
}
