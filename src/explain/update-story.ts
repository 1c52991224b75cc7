import type { AppStatus } from '../status-rows.js';
import { clock } from './clock.js';

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
    const title = `${last.from} → ${last.to}`;
    if (last.result === 'updated') parts.push(`Updated ${title}${at}.`);
    else {
      const verb = last.result === 'rolled-back' ? 'Rolled back' : 'Abandoned the update';
      const restored = last.restored ? '; data restored from the snapshot' : '';
      const retry = ` ${last.to} is not tried again until the owner runs \`podwarden update ${appId}\`.`;
      parts.push(`${verb} ${title}${at}${last.reason ? ` because ${last.reason}` : ''}${restored}.${retry}`);
    }
  }
  return parts.join(' ');
}
