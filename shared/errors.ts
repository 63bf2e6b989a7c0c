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
  'not_ready',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ApiErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    /** Field-level problems for validation errors: path → message. */
    fields?: Record<string, string>;
  };
}
