import type Docker from 'dockerode';
import { withDeadline } from './call-deadline.js';
import { dialJson } from './dockerode-dial.js';
import { engineHostFacts, engineInfoFromVersion } from './engine-version.js';
import type { EngineInfo } from '../port.js';

export type EngineFacts = EngineInfo & { libpodApiVersion?: string };

/** What the engine says it is, from `GET /version` and `GET /info`. */
export function fetchEngineFacts(docker: Docker, socketPath: string, timeoutMs: number): Promise<EngineFacts> {
  return withDeadline({ action: 'ping', socketPath }, timeoutMs, async (abortSignal) => {
    const get = (path: string) =>
      dialJson(docker, {
        path,
        method: 'GET',
        options: {},
        abortSignal,
        statusCodes: { 200: true, 500: 'server error' },
      });
    const [version, info] = await Promise.all([get('/version'), get('/info')]);
    const facts = engineInfoFromVersion(version);
    return { ...facts, ...engineHostFacts(facts.flavor, info) };
  });
}

/**
 * Flavour and libpod API version, asked once: they pick the pull and list endpoints. A failed
 * ask is not kept, so the next caller asks again.
 */
export class EngineFactsCache {
  private facts: Promise<EngineFacts> | undefined;
  private readonly fetch: () => Promise<EngineFacts>;

  constructor(fetch: () => Promise<EngineFacts>) {
    this.fetch = fetch;
  }

  /** Asks the engine now, whatever is kept, and keeps the answer. */
  async refresh(): Promise<EngineFacts> {
    const facts = await this.fetch();
    this.facts = Promise.resolve(facts);
    return facts;
  }

  load(): Promise<EngineFacts> {
    if (!this.facts) {
      const loading = this.fetch();
      this.facts = loading;
      loading.catch(() => {
        if (this.facts === loading) this.facts = undefined;
      });
    }
    return this.facts;
  }
}
