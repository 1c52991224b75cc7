import { Option } from 'commander';
import { DEFAULT_MANIFEST_MAX_BYTES } from '../manifest/limits.js';
import { wholeNumber } from './arg-parsers.js';

// The options `run` and `validate` share, so both read the same policy and the same limits.

export function policyOption(): Option {
  return new Option(
    '--policy <file>',
    "the owner's host policy (default <state-dir>/policy.yml, then /etc/podwarden/policy.yml; never in the catalog)",
  ).env('PODWARDEN_POLICY');
}

export function manifestMaxBytesOption(): Option {
  return new Option('--manifest-max-bytes <bytes>', 'manifests larger than this are refused unread')
    .env('PODWARDEN_MANIFEST_MAX_BYTES')
    .default(DEFAULT_MANIFEST_MAX_BYTES, '256 KiB')
    .argParser(wholeNumber('--manifest-max-bytes', 1024, 64 * 1024 * 1024));
}
