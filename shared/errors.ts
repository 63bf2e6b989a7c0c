/**
 * Stable machine codes for every error the API returns as `{ error: { code, message } }`.
 * Clients translate by code; the English message is a fallback for scripts and logs.
 */
export const ERROR_CODES = [
  'bad_request',
  'validation_failed',
  'unsupported_media_type',
  'csrf_rejected',
  'unauthenticated',
  'invalid_credentials',
  'forbidden',
  'not_found',
  'rate_limited',
  'payload_too_large',
  'directory_unavailable',
  'password_rejected',
  'current_password_wrong',
  'verification_failed',
  'verification_required',
  'method_not_available',
  'flow_expired',
  'recovery_locked',
  'job_not_failed',
  'not_ready',
  'internal',
  'reauth_required',
  'mail_not_configured',
  'invalid_transition',
  'already_decided',
  'not_eligible',
  'asset_unavailable',
  'loaner_unavailable',
  'inventory_unavailable',
  'inventory_conflict',
  'idempotency_key_required',
  'idempotency_key_reused',
  'idempotency_in_progress',
  'kb_slug_taken',
  'kb_version_conflict',
  'kb_search_too_broad',
  'offboarding_scheduled',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ApiErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    /** Field-level problems for validation errors: path → message. */
    fields?: Record<string, string>;
    /** For `password_rejected`: what is wrong with the proposed password (see shared/password.ts). */
    problems?: string[];
  };
}
