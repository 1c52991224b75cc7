import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// A process of its own: the module cache of the test worker may already hold dockerode.
const script = `
import { createRequire } from 'node:module';
import { Agent } from 'node:http';
import { createDockerodeEngine } from './src/engine/dockerode/dockerode-engine.ts';
import { deferredFiles } from './src/engine/dockerode/unused-transports.ts';
const require = createRequire(import.meta.url);
const loaded = (pattern) => Object.keys(require.cache).some((file) => pattern.test(file));
createDockerodeEngine({ socketPath: '/nonexistent.sock' });
const before = { ssh2: loaded(/node_modules\\/ssh2\\//), grpc: loaded(/node_modules\\/@grpc\\//) };
const [, sshFile] = deferredFiles();
const agent = require(sshFile)({ host: 'example.invalid', username: 'nobody' });
const after = { ssh2: loaded(/node_modules\\/ssh2\\//), agent: agent instanceof Agent };
console.log(JSON.stringify({ before, after }));
`;

describe('dockerode parts podwarden does not use at rest', () => {
  it('are not loaded with the engine, and load on their first call', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: process.cwd() },
    );
    expect(JSON.parse(stdout)).toEqual({
      before: { ssh2: false, grpc: false },
      after: { ssh2: true, agent: true },
    });
  });
});
