import type { ErrorCode } from '../shared/errors.js';
import type { PasswordProblem } from '../shared/password.js';
import { DirectoryUnavailableError } from './directory/port.js';

/** What a domain error may carry besides its code and message; the HTTP layer decides how to show it. */
export interface AppErrorDetails {
  /** Field-level problems for `validation_failed`: path → message. */
  fields?: Record<string, string>;
  /** For `password_rejected`: what is wrong with the proposed password. */
  problems?: PasswordProblem[];
  /** For `rate_limited`: when the caller may try again. */
  retryAfterSeconds?: number;
}

/**
 * An expected failure with a stable code from shared/errors.ts. Services, ports and jobs throw it;
 * they do not know about HTTP. The web app maps the code to a status (server/http/errors.ts); a job
 * or another entry point (SCIM, the CLI) reads the same code. `message` is safe to show to the
 * caller; anything internal (an LDAP URL, a driver error) goes in `cause` and is only logged.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: AppErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }
}

/**
 * Ports report outages in their own terms (a DirectoryUnavailableError whose message names the
 * server for the log); this turns them into the domain error every entry point understands.
 * Anything else that is not an AppError stays as it is: a bug, logged as such.
 */
export function asAppError(error: unknown): AppError | null {
  if (error instanceof AppError) return error;
  if (error instanceof DirectoryUnavailableError) return errors.directoryUnavailable(error);
  return null;
}

/** The code of a thrown value, for audit details and logs; `error` when it is not a domain error. */
export function errorCode(error: unknown): ErrorCode | 'error' {
  return asAppError(error)?.code ?? 'error';
}

const PROBLEM_MESSAGES: Record<PasswordProblem, string> = {
  too_short: 'This password is too short.',
  too_long: 'This password is too long.',
  common: 'This password is one of the most common ones and easy to guess.',
  contains_username: 'The password must not contain your username.',
  contains_name: 'The password must not contain your name.',
  contains_company: 'The password must not contain the company name.',
  in_history: 'You used this password recently. Choose one you have not used before.',
  quality: 'The directory found this password too simple.',
  too_soon: 'Your password was changed very recently. Try again later.',
  policy: 'The directory refused this password. Choose another.',
};

/**
 * The one set of factories for domain errors, so each code keeps one wording. Messages are English
 * fallbacks for scripts and logs; people see a translation chosen by the code.
 */
export const errors = {
  badRequest: (message = 'The request is not valid.') => new AppError('bad_request', message),
  validationFailed: (fields: Record<string, string>) =>
    new AppError('validation_failed', 'Some fields are missing or invalid.', { fields }),
  unsupportedMediaType: () => new AppError('unsupported_media_type', 'Send the request as JSON (Content-Type: application/json).'),
  csrfRejected: () => new AppError('csrf_rejected', 'This request came from another site and was refused.'),
  unauthenticated: () => new AppError('unauthenticated', 'Sign in to continue.'),
  invalidCredentials: () =>
    new AppError(
      'invalid_credentials',
      'The username or password is incorrect. If you have forgotten your password or your account is locked, contact the help desk.',
    ),
  forbidden: (message = 'You do not have access to this.') => new AppError('forbidden', message),
  notFound: (what = 'This') => new AppError('not_found', `${what} was not found.`),
  rateLimited: (retryAfterSeconds: number) =>
    new AppError('rate_limited', `Too many attempts. Try again in ${Math.ceil(retryAfterSeconds / 60)} minute(s).`, {
      retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)),
    }),
  payloadTooLarge: () => new AppError('payload_too_large', 'The request is too large.'),
  /** `cause` says what failed (and may name the directory's address): logged, never sent to the caller. */
  directoryUnavailable: (cause?: unknown) =>
    new AppError('directory_unavailable', 'The company directory cannot be reached right now. Try again in a few minutes.', {}, { cause }),
  passwordRejected: (problems: PasswordProblem[]) =>
    new AppError('password_rejected', problems.map((p) => PROBLEM_MESSAGES[p]).join(' '), { problems }),
  currentPasswordWrong: () => new AppError('current_password_wrong', 'Your current password is not right.'),
  verificationFailed: (message = 'That did not work. Check the code and try again, or choose another way.') =>
    new AppError('verification_failed', message),
  verificationRequired: () => new AppError('verification_required', 'Prove who you are first.'),
  methodNotAvailable: (message = 'That way of proving who you are is not set up for this account.') =>
    new AppError('method_not_available', message),
  flowExpired: (message = 'This reset has expired or was already used. Start again.') => new AppError('flow_expired', message),
  recoveryLocked: (message = 'Too many failed attempts. Contact the IT help desk to get back in.') =>
    new AppError('recovery_locked', message),
  mailNotConfigured: (message = 'This portal has no mail server configured, so it cannot send this mail.') =>
    new AppError('mail_not_configured', message),
  jobNotFailed: () => new AppError('job_not_failed', 'That job is no longer failed: it may have been retried or discarded already.'),
  notReady: () => new AppError('not_ready', 'A dependency is unavailable.'),
  reauthRequired: () => new AppError('reauth_required', 'Enter your password again to continue.'),
  invalidTransition: (message = 'This request cannot do that in its current state.') => new AppError('invalid_transition', message),
  alreadyDecided: () => new AppError('already_decided', 'This approval was already decided, or the request was withdrawn.'),
  notEligible: (message = 'This item cannot be requested for this person.') => new AppError('not_eligible', message),
  assetUnavailable: (message = 'That asset cannot be handed over for this request.') => new AppError('asset_unavailable', message),
  loanerUnavailable: () => new AppError('loaner_unavailable', 'Every loaner of this model is booked for some of those days. Choose other dates.'),
  /** `cause` says what failed (and may name the inventory's address): logged, never sent to the caller. */
  inventoryUnavailable: (cause?: unknown) =>
    new AppError('inventory_unavailable', 'The asset inventory cannot be reached right now. Try again in a few minutes.', {}, { cause }),
  inventoryConflict: (message = 'This asset is not in a state that allows this. Reload it and try again.') =>
    new AppError('inventory_conflict', message),
  idempotencyKeyRequired: () =>
    new AppError('idempotency_key_required', 'Send this request with an Idempotency-Key header (8 to 128 letters, digits, - or _).'),
  idempotencyKeyReused: () =>
    new AppError('idempotency_key_reused', 'This Idempotency-Key was already used for a different request. Make a new key for a new request.'),
  idempotencyInProgress: () =>
    new AppError('idempotency_in_progress', 'The first request with this Idempotency-Key is still being processed. Try again in a moment.'),
  kbSlugTaken: () =>
    new AppError('kb_slug_taken', 'Another article already uses this address.', { fields: { slug: 'Another article already uses this address.' } }),
  kbVersionConflict: (current: number) =>
    new AppError('kb_version_conflict', `Someone saved this article since you opened it (now version ${current}). Reload it and make your change again.`),
  kbSearchTooBroad: () =>
    new AppError('kb_search_too_broad', 'That search took too long to answer. Try more specific words, or again in a moment.'),
  offboardingScheduled: () =>
    new AppError('offboarding_scheduled', 'This person already has an offboarding scheduled. Change its last day instead.', {
      fields: { username: 'This person already has an offboarding scheduled.' },
    }),
  internal: () => new AppError('internal', 'Something went wrong on our side. Try again; if it keeps happening, tell the help desk.'),
} satisfies Record<string, (...args: never[]) => AppError>;
