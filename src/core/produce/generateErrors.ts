export type GenerateErrorReason = 'unsupportedSchema' | 'noSchema' | 'invalidRequest';

/** Why records cannot be generated: the message says what to do instead. */
export class GenerateError extends Error {
  constructor(
    readonly reason: GenerateErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GenerateError';
  }
}
