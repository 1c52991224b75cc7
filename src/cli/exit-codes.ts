/** The CLI's exit codes (README: "Exit codes"); apart so the daemon loads no API client for them. */
export const EXIT = { ok: 0, failure: 1, usage: 2, unreachable: 3 } as const;
