import { describe, expect, it } from 'vitest';
import { fullyQualifiedRef, registryHostOf } from '../../src/engine/image-ref.js';

describe('registryHostOf', () => {
  it('follows the reference grammar', () => {
    expect(registryHostOf('127.0.0.1:5000/podwarden/httpd:1')).toBe('127.0.0.1:5000');
    expect(registryHostOf('localhost/podwarden/busybox-base:latest')).toBe('localhost');
    expect(registryHostOf('ghcr.io/owner/app:1')).toBe('ghcr.io');
    expect(registryHostOf('library/busybox:1')).toBe('docker.io');
    expect(registryHostOf('busybox')).toBe('docker.io');
  });
});

describe('fullyQualifiedRef', () => {
  it('spells out Docker Hub names the way the compat pull reads them, and leaves others alone', () => {
    expect(fullyQualifiedRef('nginx:1.27')).toBe('docker.io/library/nginx:1.27');
    expect(fullyQualifiedRef('me/app')).toBe('docker.io/me/app');
    expect(fullyQualifiedRef('docker.io/library/nginx')).toBe('docker.io/library/nginx');
    expect(fullyQualifiedRef('127.0.0.1:5000/podwarden/httpd:1')).toBe('127.0.0.1:5000/podwarden/httpd:1');
    expect(fullyQualifiedRef('localhost/podwarden-build/x:1')).toBe('localhost/podwarden-build/x:1');
  });
});
