import type { Command } from 'commander';

/**
 * Every command of the CLI, by name, each loaded only when it is asked for: `podwarden status`
 * loads commander, the API client and the status command, not the daemon (which `run`'s action
 * loads itself, after its flags are checked). The order is the one `--help` lists them in.
 */
export const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  run: async () => (await import('./run.js')).runCommand(),
  install: async () => (await import('./commands/install.js')).installCommand(),
  uninstall: async () => (await import('./commands/uninstall.js')).uninstallCommand(),
  move: async () => (await import('./commands/move.js')).moveCommand(),
  start: async () => (await import('./commands/start.js')).startCommand(),
  stop: async () => (await import('./commands/stop.js')).stopCommand(),
  restart: async () => (await import('./commands/restart.js')).restartCommand(),
  update: async () => (await import('./commands/update.js')).updateCommand(),
  rollback: async () => (await import('./commands/rollback.js')).rollbackCommand(),
  outdated: async () => (await import('./commands/outdated.js')).outdatedCommand(),
  status: async () => (await import('./commands/status.js')).statusCommand(),
  logs: async () => (await import('./commands/logs.js')).logsCommand(),
  events: async () => (await import('./commands/events.js')).eventsCommand(),
  explain: async () => (await import('./commands/explain.js')).explainCommand(),
  plan: async () => (await import('./commands/plan.js')).planCommand(),
  catalog: async () => (await import('./commands/catalog.js')).catalogCommand(),
  validate: async () => (await import('./commands/validate.js')).validateCommand(),
  export: async () => (await import('./commands/export.js')).exportCommand(),
  import: async () => (await import('./commands/import.js')).importCommand(),
  service: async () => (await import('./commands/service.js')).serviceCommand(),
  adopt: async () => (await import('./commands/adopt.js')).adoptCommand(),
  replay: async () => (await import('./replay.js')).replayCommand(),
};

/**
 * The commands to build for these arguments: the one named, none for `--version` (it needs
 * none, and loading them all, the daemon's `run` among them, took a second), or (for `--help`,
 * `help`, a typo) all of them, so that commander can list them or say which one was meant.
 */
export function commandsFor(args: readonly string[]): Array<() => Promise<Command>> {
  const name = args[0];
  if (args.length === 1 && (name === '--version' || name === '-V')) return [];
  const one = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  return one ? [one] : Object.values(COMMANDS);
}
