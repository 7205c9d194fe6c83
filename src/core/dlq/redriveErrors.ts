import { LabError } from '../errors';

export type RedriveErrorReason =
  | 'targetTopicMissing'
  /** The principal may not write to (or even describe) a target topic. */
  | 'notAuthorized'
  | 'nothingToRedrive'
  | 'producerUnavailable'
  | 'readFailed';

/** A re-drive that could not start (nothing was sent); a failure during a run is in its summary instead. */
export class RedriveError extends LabError {
  constructor(
    readonly reason: RedriveErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
