import { appCommand } from './app-command.js';

/** `podwarden start <app>` */
export const startCommand = () => appCommand('start', 'start a stopped app (and keep it running)');
