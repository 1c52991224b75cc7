import { appCommand } from './app-command.js';

/** `podwarden restart <app>` */
export const restartCommand = () => appCommand('restart', 'stop the app, then start it again');
