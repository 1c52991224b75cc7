import type { PortBinding } from '../../domain/container-spec.js';

/** Who holds a host port: a container id, or the outside world (`holder` = 'host'). */
interface Holding {
  hostIp: string;
  holder: string;
}

const WILDCARDS = new Set(['', '0.0.0.0', '::']);

/**
 * Host ports held by running containers and by outside processes. Two bindings clash when
 * they share port and protocol and either binds every address or both bind the same one,
 * which is when the kernel refuses the second bind.
 */
export class HostPortTable {
  private readonly byPort = new Map<string, Holding[]>();

  /** The first binding of `ports` that someone other than `holder` already holds. */
  conflict(ports: readonly PortBinding[], holder: string): { binding: PortBinding; heldBy: string } | undefined {
    for (const binding of ports) {
      const holdings = this.byPort.get(key(binding.hostPort, binding.protocol));
      if (!holdings) continue;
      const ip = binding.hostIp ?? '';
      for (const holding of holdings) {
        if (holding.holder === holder) continue;
        if (overlaps(ip, holding.hostIp)) return { binding, heldBy: holding.holder };
      }
    }
    return undefined;
  }

  hold(ports: readonly PortBinding[], holder: string): void {
    for (const binding of ports) {
      const k = key(binding.hostPort, binding.protocol);
      const holdings = this.byPort.get(k) ?? [];
      holdings.push({ hostIp: binding.hostIp ?? '', holder });
      this.byPort.set(k, holdings);
    }
  }

  release(ports: readonly PortBinding[], holder: string): void {
    for (const binding of ports) {
      const k = key(binding.hostPort, binding.protocol);
      const holdings = this.byPort.get(k);
      if (!holdings) continue;
      const left = holdings.filter((h) => h.holder !== holder);
      if (left.length === 0) this.byPort.delete(k);
      else this.byPort.set(k, left);
    }
  }
}

function key(port: number, protocol: string): string {
  return `${protocol}/${port}`;
}

function overlaps(a: string, b: string): boolean {
  return WILDCARDS.has(a) || WILDCARDS.has(b) || a === b;
}
