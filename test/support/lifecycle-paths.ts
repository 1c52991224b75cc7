/**
 * The states an app's machine announces on the way to running, as the tests expect them (the
 * chart is in visualizations/app.svg): a fresh install, and a start of an existing container
 * (after a crash's backoff, or a restart's stop).
 */
export const INSTALL_PATH = ['pulling', 'creating', 'rendering', 'starting', 'confirming', 'running'] as const;
export const START_PATH = ['rendering', 'starting', 'confirming', 'running'] as const;
