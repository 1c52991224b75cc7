export type EngineErrorCode =
  | 'unreachable'
  | 'image-not-found'
  | 'registry-unreachable'
  | 'not-found'
  | 'name-conflict'
  | 'port-in-use'
  | 'disk-full'
  | 'engine';

/** Every adapter failure is one of these, so effects and reports can name the cause. */
export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}
