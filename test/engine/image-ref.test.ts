import { describe, expect, it } from 'vitest';
import { registryHostOf } from '../../src/engine/image-ref.js';

describe('registryHostOf', () => {
  it('follows the reference grammar', () => {
    expect(registryHostOf('127.0.0.1:5000/podwarden/httpd:1')).toBe('127.0.0.1:5000');
    expect(registryHostOf('localhost/podwarden/busybox-base:latest')).toBe('localhost');
    expect(registryHostOf('ghcr.io/owner/app:1')).toBe('ghcr.io');
    expect(registryHostOf('library/busybox:1')).toBe('docker.io');
    expect(registryHostOf('busybox')).toBe('docker.io');
  });
});
