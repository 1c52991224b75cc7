import { appCommand } from './app-command.js';

/** `podwarden uninstall <app>` */
export const uninstallCommand = () =>
  appCommand('uninstall', "remove the app's container and forget it (its data stays)");
