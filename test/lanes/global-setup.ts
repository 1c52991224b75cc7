import type { TestProject } from 'vitest/node';
import { lanesUnderTest } from './support/lane.js';
import { pingSocket, reason } from '../support/engine-ping.js';

/**
 * vitest globalSetup of the lane projects (`systemd`, `docker`): every lane of the project must
 * answer, or the project fails with the command that brings it up. Never a silent skip.
 */
const START = {
  'systemd-rootful': 'bash scripts/systemd-host.sh up',
  'systemd-rootless': 'bash scripts/systemd-host.sh up',
  docker: 'bash scripts/setup-docker.sh',
  podman: 'bash scripts/setup-engine.sh',
} as const;

export default async function setup(project: TestProject): Promise<void> {
  const ids = project.config.env?.PODWARDEN_LANES;
  if (ids !== undefined) process.env.PODWARDEN_LANES = ids;
  const missing: string[] = [];
  for (const lane of lanesUnderTest()) {
    try {
      await pingSocket(lane.socketPath);
    } catch (error) {
      missing.push(`- ${lane.title}: unix://${lane.socketPath}: ${reason(error)} (start it with: ${START[lane.id]})`);
    }
  }
  if (missing.length > 0) throw new Error(`These engine lanes are not reachable:\n${missing.join('\n')}`);
}
