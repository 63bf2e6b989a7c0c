import type { ClientResponse } from 'hono/client';
import { ERROR_CODES, type ApiErrorBody, type ErrorCode } from '../../../shared/errors';

type SuccessStatus = 200 | 201 | 202 | 203 | 204 | 205 | 206 | 207 | 208 | 226;

/** The JSON body of the successful answers among the ones a typed client call can give. */
export type OkBody<R> = R extends ClientResponse<infer T, infer S, 'json'> ? (S extends SuccessStatus ? T : never) : never;

/** `network`: the request never got an answer (offline, server down, blocked). */
export type FailureCode = ErrorCode | 'network';

/** A failed API call, carrying the server's stable error code so the UI can translate it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: FailureCode,
    message: string,
    /** Field-level problems for `validation_failed`: path → English message. */
    readonly fields: Record<string, string> = {},
    /** Seconds from the Retry-After header of a 429, when the server sent one. */
    readonly retryAfterSeconds: number | null = null,
    /** For `password_rejected`: the problem codes (see PasswordProblem in shared/password.ts). */
    readonly problems: string[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** A code for answers that did not carry our error body (a proxy's 502, say). */
function codeForStatus(status: number): ErrorCode {
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  if (status === 503) return 'not_ready';
  return 'internal';
}

/** The ApiError for a failed answer (used by okJson, and by calls made with portalFetch). */
export async function errorFrom(response: Response | ClientResponse<unknown>): Promise<ApiError> {
  const retryAfter = Number.parseInt(response.headers.get('Retry-After') ?? '', 10);
  const retryAfterSeconds = Number.isFinite(retryAfter) ? retryAfter : null;
  let body: Partial<ApiErrorBody> | null = null;
  try {
    body = (await response.json()) as Partial<ApiErrorBody>;
  } catch {
    // Not JSON: fall back to the status below.
  }
  const error = body?.error;
  const code = isErrorCode(error?.code) ? error.code : codeForStatus(response.status);
  const problems = Array.isArray(error?.problems) ? error.problems.filter((p): p is string => typeof p === 'string') : [];
  return new ApiError(response.status, code, error?.message ?? response.statusText, error?.fields ?? {}, retryAfterSeconds, problems);
}

/** Awaits the request; a network failure becomes ApiError `network`. */
async function send<R>(request: Promise<R>): Promise<R> {
  try {
    return await request;
  } catch (cause) {
    throw new ApiError(0, 'network', cause instanceof Error ? cause.message : 'Network request failed');
  }
}

/**
 * Awaits a typed client call and returns its JSON body, or throws ApiError for any non-2xx
 * answer or network failure. Callers only ever see success types or a translated code.
 */
export async function okJson<R extends ClientResponse<unknown, number, 'json'>>(request: Promise<R>): Promise<OkBody<R>> {
  const response = await send(request);
  if (!response.ok) throw await errorFrom(response);
  return (await response.json()) as OkBody<R>;
}

/** Like okJson for calls whose success has no body (204). */
export async function okEmpty(request: Promise<ClientResponse<unknown>>): Promise<void> {
  const response = await send(request);
  if (!response.ok) throw await errorFrom(response);
}
