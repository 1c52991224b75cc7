import { Option } from 'commander';
import type { AppStatus } from '../../status-rows.js';
import { clientAction, clientFor, UsageError } from '../client-command.js';
import { appCommand, sendAppCommand, type AppCommandOptions } from './app-command.js';

/**
 * `podwarden update <app>` / `update --all`: the app takes the manifest the catalog has for it
 * now, as an update (snapshot, trial, rollback on failure), even a version an earlier update
 * rolled back. `--all` updates every installed app in turn (one at a time).
 */
export const updateCommand = () => {
  const command = appCommand(
    'update',
    "take the catalog's manifest now, as an update (a rolled-back version is tried again)",
    '[app]',
  ).addOption(new Option('--all', 'every installed app, one after the other'));
  return command.action(
    clientAction<[string | undefined], AppCommandOptions & { all?: boolean }>(async (appId, options) => {
      if ((appId === undefined) === !options.all) throw new UsageError('name one app, or --all');
      if (appId !== undefined) return sendAppCommand('update', appId, options);
      const { apps: rows } = await clientFor(options).get<{ apps: AppStatus[] }>('/v1/status');
      const apps = rows.filter(
        (row) => row.companion === undefined && row.state !== 'manifest-error' && row.desired !== 'absent',
      );
      for (const row of apps) await sendAppCommand('update', row.appId, options);
    }),
  );
};
