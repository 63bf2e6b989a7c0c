import type { VerificationMethod } from '../../../../shared/password';

/** How many digits each typed code has: 6 from an authenticator app, 8 from mail or the help desk. */
export const CODE_DIGITS: Record<Exclude<VerificationMethod, 'passkey'>, number> = {
  email: 8,
  totp: 6,
  helpdesk_code: 8,
};

/** People type codes with spaces or dashes ("1234 5678"), as they are shown; those are not part of the code. */
export function normalizeCode(typed: string): string {
  return typed.replace(/[\s-]/g, '');
}

/** "12345678" → "1234 5678": easier to read out and to copy by eye. */
export function groupDigits(code: string, size = 4): string {
  return code.replace(new RegExp(`(.{${size}})(?=.)`, 'g'), '$1 ');
}
