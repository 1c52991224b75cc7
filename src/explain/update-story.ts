import type { AppStatus } from '../status-rows.js';
import { clock } from './clock.js';
import { shortDigest } from '../../machines/update.js';

/**
 * What `explain` says of an app's updates, from its status row: the version it runs, an update
 * under way, and how the last one ended and why ("Rolled back 1.0 → 2.0 at 12:00:03 UTC because
 * the new version failed during its trial: …; data restored from the snapshot.").
 */
export function updateStory(appId: string, app: Pick<AppStatus, 'update' | 'lastUpdate'>): string {
  const parts: string[] = [];
  if (app.update) {
    const how = app.update.phase === 'rolling-back' ? 'being rolled back from' : 'being updated from';
    parts.push(`It is ${how} ${app.update.from} to ${app.update.to}.`);
  }
  const last = app.lastUpdate;
  if (last) {
    const at = last.endedAt === undefined ? '' : ` at ${clock(last.endedAt)} UTC`;
    // Same tag, new digest: the versions are one; the image is what changed.
    const title = last.toDigest
      ? `${last.from} (new image ${shortDigest(last.toDigest)})`
      : `${last.from} → ${last.to}`;
    if (last.result === 'updated') parts.push(`Updated ${title}${at}.`);
    else {
      const verb = last.result === 'rolled-back' ? 'Rolled back' : 'Abandoned the update';
      const restored = last.restored ? '; data restored from the snapshot' : '';
      const offered = last.toDigest ? `The image ${shortDigest(last.toDigest)}` : last.to;
      const retry = ` ${offered} is not tried again until the owner runs \`podwarden update ${appId}\`.`;
      parts.push(`${verb} ${title}${at}${last.reason ? ` because ${last.reason}` : ''}${restored}.${retry}`);
    }
  }
  return parts.join(' ');
}
