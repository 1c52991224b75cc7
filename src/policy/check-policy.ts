import { realpath } from 'node:fs/promises';
import { describeValue, ManifestError } from '../manifest/errors.js';
import { isInside } from '../manifest/inside.js';
import type { AppManifest } from '../manifest/schema.js';
import { describeRight, manifestRights, type HostRight } from './host-rights.js';
import { neverAllowed, type ProtectedPath } from './never-allowed.js';
import type { ContainerRules, HostPolicy } from './policy-types.js';

/** A host right the owner's policy gave one container, and the rule that gave it. */
export interface Grant {
  /** `bitcoind`, or `bitcoind/ui` for a companion. */
  container: string;
  /** In a few words: `bind /mnt/blockchain (read-write)`. */
  right: string;
  /** The rule, as the policy file spells its path: `apps.bitcoind.bind[0]`. */
  rule: string;
  /** The policy file. */
  file: string;
}

/** `bind /mnt/blockchain (read-write) by apps.bitcoind.bind[0] in /etc/podwarden/policy.yml` */
export function grantText(grant: Grant): string {
  return `${grant.right} by ${grant.rule} in ${grant.file}`;
}

export interface PolicyVerdict {
  /** One per right refused, naming the manifest field, the rule (or its absence) and the reason. */
  errors: ManifestError[];
  grants: Grant[];
}

type Decision = { allowed: true; rule: string } | { allowed: false; reason: string };

/**
 * Checks every host right the manifest asks for against the owner's policy and the paths no
 * policy may open. A manifest asking for nothing of the host passes whatever the policy says.
 */
export async function checkHostRights(
  manifest: AppManifest,
  manifestFile: string,
  policy: HostPolicy,
  protectedList: readonly ProtectedPath[],
): Promise<PolicyVerdict> {
  const verdict: PolicyVerdict = { errors: [], grants: [] };
  for (const { key, rights } of manifestRights(manifest)) {
    const rules = policy.apps[key];
    for (const right of rights) {
      const decision = await decide(right, key, rules, policy, protectedList);
      if (decision.allowed) {
        verdict.grants.push({ container: key, right: describeRight(right), rule: decision.rule, file: policy.file! });
      } else {
        verdict.errors.push(new ManifestError({ file: manifestFile, path: right.field, message: decision.reason }));
      }
    }
  }
  return verdict;
}

async function decide(
  right: HostRight,
  key: string,
  rules: ContainerRules | undefined,
  policy: HostPolicy,
  protectedList: readonly ProtectedPath[],
): Promise<Decision> {
  const where =
    policy.file === undefined ? 'there is no policy file (docs/policy.md)' : `no rule in ${policy.file} allows it`;
  const refused = (what: string, rule: string) => ({
    allowed: false as const,
    reason: `${what}; host access is refused by default and ${where} (the owner can add ${rule})`,
  });
  switch (right.kind) {
    case 'capability': {
      const index = rules?.capAdd.findIndex((name) => name === right.name || name === 'ALL') ?? -1;
      if (index !== -1) return { allowed: true, rule: `apps.${key}.capAdd[${index}]` };
      return refused(`asks for the host capability ${right.name}`, `apps.${key}.capAdd: [${right.name}]`);
    }
    case 'host-network':
      if (rules?.hostNetwork) return { allowed: true, rule: `apps.${key}.hostNetwork` };
      return refused("joins the host's network", `apps.${key}.hostNetwork: true`);
    case 'bind':
      return decideBind(right, key, rules, protectedList, refused);
  }
}

async function decideBind(
  right: Extract<HostRight, { kind: 'bind' }>,
  key: string,
  rules: ContainerRules | undefined,
  protectedList: readonly ProtectedPath[],
  refused: (what: string, rule: string) => Decision,
): Promise<Decision> {
  const source = right.source;
  const shown = describeValue(source);
  // The path as written and where it leads today: /var/run is /run, and a link may lead anywhere.
  const real = await realpath(source).catch(() => undefined);
  for (const candidate of real === undefined || real === source ? [source] : [source, real]) {
    const never = neverAllowed(candidate, protectedList);
    if (never) {
      const via = candidate === source ? '' : ' (where it leads)';
      return { allowed: false, reason: `binds the host path ${shown}, which no policy can allow: ${never}${via}` };
    }
  }
  const index = rules?.bind.findIndex((rule) => isInside(rule.path, source)) ?? -1;
  if (index === -1) return refused(`binds the host path ${shown}`, `apps.${key}.bind: [${source}]`);
  const rule = rules!.bind[index]!;
  const name = `apps.${key}.bind[${index}]`;
  if (rule.readOnly && !right.readOnly) {
    return {
      allowed: false,
      reason: `binds ${shown} read-write, but ${name} allows ${rule.path} read-only (add ":ro")`,
    };
  }
  if (real !== undefined) {
    const ruleReal = await realpath(rule.path).catch(() => rule.path);
    if (!isInside(ruleReal, real)) {
      return {
        allowed: false,
        reason: `${shown} leads through a symbolic link outside ${rule.path}, which ${name} allows`,
      };
    }
  }
  return { allowed: true, rule: name };
}
