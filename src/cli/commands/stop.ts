import { appCommand } from './app-command.js';

/** `podwarden stop <app>` */
export const stopCommand = () => appCommand('stop', 'stop the app and keep it stopped, across podwarden restarts');
