import { confinementErrors } from '../manifest/confine-paths.js';
import type { AppManifest } from '../manifest/schema.js';
import { checkHostRights, type PolicyVerdict } from './check-policy.js';
import type { ProtectedPath } from './never-allowed.js';
import type { HostPolicy } from './policy-types.js';

/** What the owner's side decides about a parsed manifest: the policy and the paths no policy opens. */
export interface Admission {
  policy: HostPolicy;
  protectedPaths: readonly ProtectedPath[];
}

/**
 * Whether a manifest that parsed may join the catalog: every path it reads stays inside `root`
 * (its folder) and every host right it asks for is allowed. The same check for `validate`
 * and the daemon, so both name the same rules.
 */
export async function admitManifest(
  manifest: AppManifest,
  file: string,
  root: string,
  admission: Admission,
): Promise<PolicyVerdict> {
  const verdict = await checkHostRights(manifest, file, admission.policy, admission.protectedPaths);
  return { errors: [...(await confinementErrors(manifest, file, root)), ...verdict.errors], grants: verdict.grants };
}
