import { randomInt } from 'node:crypto';
import type { OneTimeSecretPurpose } from '../../db/schema.js';
import { sha256Hex } from '../../platform/secrets.js';

/** How long each kind of secret lives (SECURITY: codes ≤ 10 min, links ≤ 30 min). */
export const TTL = {
  flow: 30 * 60_000,
  emailCode: 10 * 60_000,
  helpdeskCode: 10 * 60_000,
  resetLink: 30 * 60_000,
  emailConfirm: 30 * 60_000,
  webauthnChallenge: 5 * 60_000,
} as const;

/** An 8-digit code from the CSPRNG, for a person to read and type. */
export function newNumericCode(): string {
  return String(randomInt(0, 100_000_000)).padStart(8, '0');
}

/** People type codes with spaces or dashes ("1234 5678"); those are not part of the code. */
export function normalizeCode(code: string): string {
  return code.replace(/[\s-]/g, '');
}

/** The stored form of a code: bound to one person and one purpose, so it is useless anywhere else. */
export function secretHash(secret: string, username: string, purpose: OneTimeSecretPurpose): string {
  return sha256Hex(`${purpose}\u0000${username}\u0000${normalizeCode(secret)}`);
}

/** Link tokens carry 256 bits, so they are looked up by a plain hash without knowing the person. */
export function linkTokenHash(token: string): string {
  return sha256Hex(`reset_link\u0000${token}`);
}
