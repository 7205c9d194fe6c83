// Limits of Generate and Produce N, shared with the producer form's webview (so no Node, no vscode).

/** Produce N sends at most this many generated records in one run. */
export const MAX_GENERATE_COUNT = 1_000_000;
/** The highest rate Produce N paces to, in messages per second. */
export const MAX_GENERATE_RATE = 1_000_000;
