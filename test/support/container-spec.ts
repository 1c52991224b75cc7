import type { ContainerSpec } from '../../src/domain/container-spec.js';

/** A container spec with nothing but a name and an image (every list and map empty), plus what a test adds. */
export function containerSpec(name: string, image: string, more: Partial<ContainerSpec> = {}): ContainerSpec {
  return { name, image, env: {}, labels: {}, ports: [], mounts: [], tmpfs: [], capAdd: [], ...more };
}
