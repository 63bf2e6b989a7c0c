import { z } from 'zod';
import { MAX_LOGIN_LENGTH, MAX_PASSWORD_LENGTH } from './auth.js';

/** The portal's own floor; the effective minimum is the larger of this and the directory's. */
export const PORTAL_MIN_PASSWORD_LENGTH = 12;

/** Length as people count it: Unicode code points, not UTF-16 units (an emoji is one). */
export function passwordLength(password: string): number {
  return [...password].length;
}

/** Ways a proposed password can fall short, each with a message in the client's language. */
export const PASSWORD_PROBLEMS = [
  'too_short',
  'too_long',
  'common',
  'contains_username',
  'contains_name',
  'contains_company',
  'in_history',
  'quality',
  'too_soon',
  'policy',
] as const;
export type PasswordProblem = (typeof PASSWORD_PROBLEMS)[number];

/** Ways to prove who you are during a reset. No security questions, on purpose. */
export const VERIFICATION_METHODS = ['email', 'totp', 'passkey', 'helpdesk_code'] as const;
export type VerificationMethod = (typeof VERIFICATION_METHODS)[number];

const password = z.string().max(MAX_PASSWORD_LENGTH, 'That password is too long.');
const code = z.string().trim().min(4).max(64);
/** Flow ids and link tokens are 43 base64url characters; anything else cannot be one. */
export const flowIdSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'This link or session is not valid.');

export const forgotRequestSchema = z.strictObject({
  /** Username or email address (work or recovery). */
  login: z.string().trim().min(1, 'Enter your username or email address.').max(MAX_LOGIN_LENGTH),
});

export const flowParamSchema = z.strictObject({ flowId: flowIdSchema });

export const challengeRequestSchema = z.strictObject({ method: z.enum(VERIFICATION_METHODS) });

export const verifyRequestSchema = z.discriminatedUnion('method', [
  z.strictObject({ method: z.literal('email'), code }),
  z.strictObject({ method: z.literal('totp'), code }),
  z.strictObject({ method: z.literal('helpdesk_code'), code }),
  z.strictObject({ method: z.literal('passkey'), assertion: z.record(z.string(), z.unknown()) }),
]);
export type VerifyRequest = z.infer<typeof verifyRequestSchema>;

export const resetRequestSchema = z.strictObject({ newPassword: password.min(1, 'Choose a new password.') });

export const changePasswordRequestSchema = z.strictObject({
  currentPassword: password.min(1, 'Enter your current password.'),
  newPassword: password.min(1, 'Choose a new password.'),
});

export const policyCheckRequestSchema = z.strictObject({
  password,
  /** During a reset, the flow tells the server whose password this would be (to refuse their name). */
  flowId: flowIdSchema.optional(),
});

export const resetLinkRequestSchema = z.strictObject({ token: flowIdSchema });

/** The rules shown before a person types: the directory's, raised to the portal's floor. */
export interface PasswordRules {
  minLength: number;
  maxLength: number;
  historyCount: number;
}

export interface PolicyVerdict {
  ok: boolean;
  problems: PasswordProblem[];
  /** Strength from 0 (guessable) to 4 (strong), for the meter. */
  score: 0 | 1 | 2 | 3 | 4;
  rules: PasswordRules;
}

export interface FlowView {
  /** Methods this flow offers; `required` of them must be verified. */
  methods: VerificationMethod[];
  required: number;
  verified: VerificationMethod[];
  /** True when enough methods are verified to reset or unlock. */
  complete: boolean;
  rules: PasswordRules;
  expiresAt: string;
}
