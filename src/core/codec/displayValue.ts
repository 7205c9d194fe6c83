import { buildDisplay, EXPORT_LIMITS } from './displayModel';

/**
 * Makes any decoded value JSON-safe for export or a handler process: bytes become base64 strings,
 * 64-bit integers (BigInt, Long) decimal strings, non-finite numbers strings, logical types their
 * readable form, Maps plain objects, and class instances (avsc records, protobufjs messages) plain
 * objects. Iterative and bounded (EXPORT_LIMITS), so no payload can overflow the stack. It is a
 * separate step so the hot decode path does not pay for it; the session panel uses the display
 * model (displayModel.ts), which also keeps base values and says what was cut.
 */
export function toDisplayJson(value: unknown): unknown {
  return buildDisplay(value, EXPORT_LIMITS).json;
}
