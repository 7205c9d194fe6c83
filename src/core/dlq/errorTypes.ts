import type { DeadLetterInfo, ErrorTypeCount } from './deadLetterTypes';

/** The group a dead-letter record without an error type falls in. */
export const UNKNOWN_ERROR_TYPE = '(no error type)';

export const errorTypeKey = (info: DeadLetterInfo): string => info.errorType ?? UNKNOWN_ERROR_TYPE;

export type { ErrorTypeCount };

/** Dead-letter records grouped by error type, the most frequent first (ties by name, for a stable list). */
export function countByErrorType(infos: Iterable<DeadLetterInfo | undefined>): ErrorTypeCount[] {
  const counts = new Map<string, number>();
  for (const info of infos) {
    if (!info) continue;
    const key = errorTypeKey(info);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts]
    .map(([errorType, count]) => ({ errorType, count }))
    .sort((a, b) => b.count - a.count || (a.errorType < b.errorType ? -1 : a.errorType > b.errorType ? 1 : 0));
}

/** Whether a record passes an error-type filter: any of the chosen types (an ordinary record never does). */
export function matchesErrorTypes(info: DeadLetterInfo | undefined, errorTypes: readonly string[]): boolean {
  return info !== undefined && errorTypes.includes(errorTypeKey(info));
}
