import { z } from 'zod';
import type { VerificationMethod } from './password.js';

export const recoveryEmailRequestSchema = z.strictObject({
  email: z.email('Enter an email address such as name@example.com.').max(320),
});
export const codeRequestSchema = z.strictObject({ code: z.string().trim().min(4).max(64) });
export const passkeyRegistrationSchema = z.strictObject({
  response: z.record(z.string(), z.unknown()),
  name: z.string().trim().min(1, 'Give this passkey a name.').max(64),
});
export const passkeyParamSchema = z.strictObject({ id: z.string().min(1).max(1024) });

/** What the recovery profile page shows. */
export interface RecoveryProfile {
  recoveryEmail: { address: string; confirmed: boolean } | null;
  /** The work address codes fall back to when no recovery email is confirmed (null when the admin turned that off). */
  workEmailFallback: string | null;
  totp: { enrolled: boolean };
  passkeys: { id: string; name: string; createdAt: string; lastUsedAt: string | null }[];
  /** Methods ready for a reset (the help-desk code is always available and not counted). */
  ready: VerificationMethod[];
}

/** Below this many ready methods the home screen nudges people to add one. */
export const RECOMMENDED_READY_METHODS = 2;
