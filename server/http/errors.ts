import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ApiErrorBody, ErrorCode } from '../../shared/errors.js';

/**
 * An expected failure with a stable code. Thrown anywhere below a route and turned into
 * `{ error: { code, message } }` by the app's error handler.
 */
export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly fields?: Record<string, string>,
    readonly headers?: Record<string, string>,
    readonly problems?: string[],
  ) {
    super(message);
    this.name = 'HttpError';
  }

  toBody(): ApiErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.fields ? { fields: this.fields } : {}),
        ...(this.problems ? { problems: this.problems } : {}),
      },
    };
  }
}

/** Factories for the errors routes use most, so messages stay consistent. */
export const httpErrors = {
  unauthenticated: () => new HttpError(401, 'unauthenticated', 'Sign in to continue.'),
  invalidCredentials: () =>
    new HttpError(
      401,
      'invalid_credentials',
      'The username or password is incorrect. If you have forgotten your password or your account is locked, contact the help desk.',
    ),
  forbidden: () => new HttpError(403, 'forbidden', 'You do not have access to this.'),
  reauthRequired: () => new HttpError(403, 'reauth_required', 'Enter your password again to continue.'),
  notFound: (what = 'This') => new HttpError(404, 'not_found', `${what} was not found.`),
  rateLimited: (retryAfterSeconds: number) =>
    new HttpError(429, 'rate_limited', `Too many attempts. Try again in ${Math.ceil(retryAfterSeconds / 60)} minute(s).`, undefined, {
      'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))),
    }),
  directoryUnavailable: () =>
    new HttpError(503, 'directory_unavailable', 'The company directory cannot be reached right now. Try again in a few minutes.'),
};
