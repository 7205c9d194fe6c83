import { redactText } from '../logging';
import { LabError } from '../errors';

export type RegistryErrorReason =
  | 'unreachable'
  | 'timeout'
  | 'tls'
  | 'unauthorized'
  | 'forbidden'
  | 'missingCredentials'
  | 'subjectNotFound'
  | 'versionNotFound'
  | 'schemaNotFound'
  | 'incompatible'
  /** The subject or version is soft-deleted already (Confluent 40404 / 40406). */
  | 'alreadyDeleted'
  /** A permanent delete of something not soft-deleted first (Confluent 40405 / 40407). */
  | 'notSoftDeleted'
  /** A delete of a schema that other subjects reference (Confluent 42206). */
  | 'referenced'
  | 'invalidSchema'
  | 'invalidRequest'
  | 'serverError'
  | 'badResponse'
  | 'invalidConfiguration';

export interface RegistryErrorDetails {
  /** HTTP status, when the registry answered. */
  readonly status?: number;
  /** The registry's `error_code` (e.g. 40403), when it sent one. */
  readonly errorCode?: number;
  /** The registry's own message, when it sent one. */
  readonly registryMessage?: string;
  /** Method and path of the request (never credentials or query secrets). */
  readonly request?: string;
}

/** A failed schema registry request, classified so that callers and users know what to do. */
export class RegistryError extends LabError {
  constructor(
    readonly reason: RegistryErrorReason,
    message: string,
    readonly details: RegistryErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Failures that say nothing about one schema but about the registry as a whole. */
  get isRegistryWide(): boolean {
    return (
      this.reason === 'unreachable' ||
      this.reason === 'timeout' ||
      this.reason === 'tls' ||
      this.reason === 'unauthorized' ||
      this.reason === 'forbidden' ||
      this.reason === 'missingCredentials' ||
      this.reason === 'serverError' ||
      this.reason === 'invalidConfiguration'
    );
  }
}

/** What error messages need to know about the client and the request. */
export interface ErrorContext {
  /** The registry's base URL, for messages. */
  readonly where: string;
  readonly timeoutMs: number;
  readonly auth: 'none' | 'basic' | 'bearer';
  /** Removes the credentials in use from text the registry or the network echoes. */
  readonly scrub: (text: string) => string;
}

export interface FailedRequest {
  readonly method: string;
  readonly path: string;
  /** What the request does: "read schema id 12", "register a schema under subject x". */
  readonly action: string;
  /** The reason for a 404 that carries no recognisable error_code. */
  readonly notFound?: RegistryErrorReason;
  /** Method and path, for the error's details. */
  readonly label: string;
}

const errorCodeReasons: Readonly<Record<number, RegistryErrorReason>> = {
  40401: 'subjectNotFound',
  40402: 'versionNotFound',
  40403: 'schemaNotFound',
  40404: 'alreadyDeleted',
  40405: 'notSoftDeleted',
  40406: 'alreadyDeleted',
  40407: 'notSoftDeleted',
  42201: 'invalidSchema',
  42206: 'referenced',
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A request that got no HTTP answer: refused, reset, timed out, or a TLS failure. */
export function transportFailure(kind: string, detail: string, label: string, ctx: ErrorContext): RegistryError {
  const request = { request: label };
  const where = ctx.where;
  switch (kind) {
    case 'timeout':
      return new RegistryError(
        'timeout',
        `The schema registry at ${where} did not answer within ${ctx.timeoutMs} ms. It may be overloaded or unreachable behind a proxy; decoding goes on with cached schemas and retries shortly. Raise the request timeout in the connection if the registry is just slow.`,
        request,
      );
    case 'tls':
      return new RegistryError(
        'tls',
        `The TLS connection to the schema registry at ${where} failed (${ctx.scrub(redactText(detail))}). If the registry's certificate comes from a private certificate authority, add that CA certificate to the connection.`,
        request,
      );
    case 'tooLarge':
      return new RegistryError(
        'badResponse',
        `The schema registry at ${where} sent an unexpectedly large answer (${detail}). Check that the URL points at a schema registry.`,
        request,
      );
    default:
      return new RegistryError(
        'unreachable',
        `Cannot reach the schema registry at ${where} (${ctx.scrub(redactText(detail))}). Check that it is running and that the connection's registry URL is right; decoding goes on with cached schemas and retries shortly.`,
        request,
      );
  }
}

/**
 * A request the registry answered with an error status. The Confluent API's `error_code` decides
 * where it is known; registries differ in codes and bodies (Apicurio sends 0 or plain 409/422
 * codes), so the status and the request fill in the rest.
 */
export function statusFailure(
  status: number,
  json: unknown,
  body: string,
  request: FailedRequest,
  ctx: ErrorContext,
): RegistryError {
  const where = ctx.where;
  const errorCode = isObject(json) && Number.isInteger(json.error_code) ? (json.error_code as number) : undefined;
  const rawMessage = isObject(json) && typeof json.message === 'string' ? json.message : body.slice(0, 300);
  const registryMessage = ctx.scrub(redactText(rawMessage.trim()));
  const details = {
    status,
    ...(errorCode !== undefined ? { errorCode } : {}),
    ...(registryMessage ? { registryMessage } : {}),
    request: request.label,
  };
  const said = registryMessage ? ` The registry said: ${registryMessage}` : '';
  const action = request.action;
  if (status === 401) {
    const fix =
      ctx.auth === 'none'
        ? 'It needs credentials: set basic auth or a bearer token for this connection.'
        : 'Check the username and password (or token) stored for this connection.';
    return new RegistryError(
      'unauthorized',
      `The schema registry at ${where} refused to ${action} (401 Unauthorized). ${fix}`,
      details,
    );
  }
  if (status === 403) {
    return new RegistryError(
      'forbidden',
      `The schema registry at ${where} refused to ${action} (403 Forbidden): the credentials are valid but lack permission. Ask for read access to the registry's subjects and schemas (and write access to register).`,
      details,
    );
  }
  const byCode = errorCode !== undefined ? errorCodeReasons[errorCode] : undefined;
  const reason: RegistryErrorReason =
    status === 404
      ? (byCode ?? request.notFound ?? 'invalidRequest')
      : status === 409 && request.method === 'POST' && request.path.endsWith('/versions')
        ? 'incompatible'
        : status === 409 && byCode !== undefined
          ? byCode
          : status === 422
            ? (byCode ?? (errorCode === undefined || errorCode === 0 ? 'invalidSchema' : 'invalidRequest'))
            : status === 500 &&
                errorCode === 0 &&
                request.method === 'POST' &&
                request.path.startsWith('/compatibility/')
              ? // Apicurio answers a compatibility check of a schema it cannot parse with 500 and error_code 0.
                'invalidSchema'
              : status >= 500
                ? 'serverError'
                : 'invalidRequest';
  const message = ((): string => {
    switch (reason) {
      case 'subjectNotFound':
        return `The schema registry at ${where} has no such subject (asked to ${action}). Check the subject name: with the TopicName strategy it is <topic>-value or <topic>-key.`;
      case 'versionNotFound':
        return `The schema registry at ${where} has no such version (asked to ${action}). List the subject's versions and pick an existing one, or use the latest.`;
      case 'schemaNotFound':
        return `The schema registry at ${where} has no such schema (asked to ${action}). The record may have been written against another registry, or the schema was deleted.`;
      case 'incompatible':
        return `The schema registry refused to ${action}: the schema is not compatible with the subject's earlier versions under its compatibility level.${said} Change the schema, or the subject's compatibility level.`;
      case 'alreadyDeleted':
        return `The schema registry at ${where} refused to ${action}: it is soft-deleted already.${said} A permanent delete removes it for good.`;
      case 'notSoftDeleted':
        return `The schema registry at ${where} refused to ${action}: a permanent delete needs a soft delete first.${said}`;
      case 'referenced':
        return `The schema registry at ${where} refused to ${action}: other subjects reference it.${said} Delete those subjects (or their versions that reference it) first.`;
      case 'invalidSchema':
        return `The schema registry refused to ${action}: it considers the schema invalid.${said} Fix the schema text (and its references).`;
      case 'serverError':
        return `The schema registry at ${where} failed to ${action} (${status}).${said} Try again; if it persists, check the registry's logs.`;
      default:
        return `The schema registry at ${where} rejected the request to ${action} (${status}).${said}`;
    }
  })();
  return new RegistryError(reason, message, details);
}
