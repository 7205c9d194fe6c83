/**
 * Thrown by a handler (in running mode) to stop the session on this message: the message goes back
 * to the head of its partition, unprocessed and not marked done, the session switches to stepping,
 * and this message is the next one offered for a decision. `afterHandler` says the developer's code
 * already ran on it (and failed): the attempt counts, and `cause` becomes the message's last error,
 * so a later dead-letter decision records it.
 */
export class HoldMessage extends Error {
  constructor(
    message: string,
    readonly afterHandler = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HoldMessage';
  }
}
