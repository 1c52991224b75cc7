import { appCommand } from './app-command.js';

/** `podwarden rollback <app>` */
export const rollbackCommand = () =>
  appCommand('rollback', "go back to the version before the app's last update, its data from that update's snapshot");
