import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ApiErrorBody, ErrorCode } from '../../shared/errors.js';
import { type AppError, asAppError, errors } from '../errors.js';
import type { Logger } from '../platform/logger.js';
import { routePath } from 'hono/route';
import type { AppEnv } from './context.js';

/**
 * The one place a domain error code becomes an HTTP status. A `Record` over every code, so adding a
 * code to shared/errors.ts without deciding its status does not compile.
 */
export const STATUS_OF: Record<ErrorCode, ContentfulStatusCode> = {
  bad_request: 400,
  validation_failed: 400,
  unsupported_media_type: 415,
  csrf_rejected: 403,
  unauthenticated: 401,
  invalid_credentials: 401,
  forbidden: 403,
  not_found: 404,
  rate_limited: 429,
  payload_too_large: 413,
  directory_unavailable: 503,
  password_rejected: 422,
  current_password_wrong: 400,
  verification_failed: 400,
  verification_required: 403,
  // The request is well formed, but the account's state does not offer that way (no address, no authenticator).
  method_not_available: 409,
  flow_expired: 410,
  recovery_locked: 423,
  // An admin retried or discarded a job someone else already retried or discarded.
  job_not_failed: 409,
  // Lasting configuration (no SMTP_URL outside demo mode), not a passing outage: nothing to retry.
  mail_not_configured: 409,
  not_ready: 503,
  internal: 500,
  // Signed in, but a sensitive change needs the password entered again first.
  reauth_required: 403,
  // A request is not in a status that allows the action (e.g. receiving what was never handed over).
  invalid_transition: 409,
  // Another approver (or a cancellation) settled this step first.
  already_decided: 409,
  // The person a request is for may not have this model.
  not_eligible: 403,
  // The asset picked is not of the requested model, or not free for this request.
  asset_unavailable: 409,
  // Every loaner of the model is booked for some day of the window.
  loaner_unavailable: 409,
  // An external inventory (Snipe-IT) did not answer in time or answered with an outage.
  inventory_unavailable: 503,
  // The asset is not in a state for that move (e.g. assigning a retired one): reload and decide again.
  inventory_conflict: 409,
  // A write that must be sent with an Idempotency-Key came without one (or with a malformed one).
  idempotency_key_required: 400,
  // The key was used before for a different request: the client's bug, never retried.
  idempotency_key_reused: 422,
  // The first request with this key is still running: retry shortly for its answer.
  idempotency_in_progress: 409,
  // Another article already has that address.
  kb_slug_taken: 409,
  // The article was saved by someone else since the editor opened it.
  kb_version_conflict: 409,
  kb_search_too_broad: 503,
  // The person already has an offboarding scheduled: change that one instead.
  offboarding_scheduled: 409,
};

export function statusOf(code: ErrorCode): ContentfulStatusCode {
  return STATUS_OF[code];
}

/** The JSON body of an error answer: `{ error: { code, message, fields?, problems? } }`. */
export function errorBody(error: AppError): ApiErrorBody {
  const { fields, problems } = error.details;
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(fields ? { fields } : {}),
      ...(problems ? { problems } : {}),
    },
  };
}

/** Headers an error answer carries besides its body. */
export function errorHeaders(error: AppError): Record<string, string> {
  const headers: Record<string, string> = {};
  if (error.details.retryAfterSeconds !== undefined) headers['Retry-After'] = String(error.details.retryAfterSeconds);
  return headers;
}

/** Writes a domain error as the HTTP answer. */
export function errorResponse(c: Context, error: AppError): Response {
  for (const [name, value] of Object.entries(errorHeaders(error))) c.header(name, value);
  return c.json(errorBody(error), statusOf(error.code));
}

/** `app.onError`: domain errors by their code, Hono's own 4xx as `bad_request`, anything else logged as a 500. */
export function handleError(logger: Logger) {
  return (thrown: Error, c: Context<AppEnv>): Response => {
    const error = asAppError(thrown);
    if (error) {
      if (statusOf(error.code) >= 500) {
        // The caller gets the plain message; the log keeps what actually failed (it may name hosts).
        const cause = error.cause instanceof Error ? error.cause.message : error.cause;
        logger.warn({ code: error.code, err: cause, reqId: c.get('requestId'), route: routePath(c) }, 'request failed on our side');
      }
      return errorResponse(c, error);
    }
    if (thrown instanceof HTTPException && thrown.status < 500) {
      // Hono's own 4xx, e.g. a body that is not valid JSON.
      return c.json(errorBody(errors.badRequest('The request body is not valid JSON.')), thrown.status);
    }
    logger.error({ err: thrown, reqId: c.get('requestId'), route: routePath(c) }, 'unhandled error');
    return c.json(errorBody(errors.internal()), 500);
  };
}
