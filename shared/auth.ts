import { z } from 'zod';
import { ROLES } from './roles.js';

/** Longest username we accept: long enough for any directory, short enough to bound work. */
export const MAX_LOGIN_LENGTH = 256;
/** Longest password we accept; NIST asks for at least 64 and never truncating. */
export const MAX_PASSWORD_LENGTH = 1024;

/** Sign-in request. Both fields must be strings (arrays, objects and null are refused). */
export const loginRequestSchema = z.strictObject({
  username: z.string().trim().min(1, 'Enter your username.').max(MAX_LOGIN_LENGTH),
  password: z.string().min(1, 'Enter your password.').max(MAX_PASSWORD_LENGTH),
});
export type LoginRequest = z.infer<typeof loginRequestSchema>;

export const roleSchema = z.enum(ROLES);

/** The signed-in person as the API returns it (GET /api/me, POST /api/auth/login). */
export const meSchema = z.object({
  username: z.string(),
  displayName: z.string(),
  email: z.string(),
  roles: z.array(roleSchema),
  department: z.string().nullable(),
  title: z.string().nullable(),
  manager: z.string().nullable(),
  /** The manager's display name, resolved at sign-in. */
  managerName: z.string().nullable(),
});
export type Me = z.infer<typeof meSchema>;

/** Public facts about this installation the sign-in page needs before anyone signs in. */
export const portalInfoSchema = z.object({
  demo: z.boolean(),
  /** Demo sign-ins shown on the sign-in page in demo mode only. */
  demoAccounts: z.array(z.object({ username: z.string(), role: roleSchema })),
  /** The shared password of the demo accounts, in demo mode only. */
  demoPassword: z.string().nullable(),
  directory: z.enum(['builtin', 'ldap']),
  /**
   * Whether this portal delivers mail. Without a mail server the screens leave out what needs it
   * (a recovery email, a help-desk reset link) instead of offering something the API refuses.
   */
  mail: z.boolean(),
  version: z.string(),
});
export type PortalInfo = z.infer<typeof portalInfoSchema>;

/**
 * A non-secret name for the current session, with how long it can live without another request.
 * The session cookie is HttpOnly, so this is how the page and the service worker keep offline
 * copies of personal answers apart per session, and drop them once it has surely ended. The tag
 * is a one-way derivation: neither the session id nor its stored hash can be recovered from it.
 */
export const sessionInfoSchema = z.object({
  tag: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
  /** Milliseconds from this answer until the session ends at the latest, unless used again. */
  liveForMs: z.number().int().nonnegative(),
});
export type SessionInfo = z.infer<typeof sessionInfoSchema>;

/** GET /api/me: the signed-in person and the session that asked. */
export type MeAnswer = Me & { session: SessionInfo };

/** POST /api/auth/login. */
export interface LoginAnswer {
  user: Me;
  session: SessionInfo;
}
/** `POST /api/auth/reauth`: the signed-in person's password again, before a sensitive change. */
export const reauthRequestSchema = z.strictObject({
  password: z.string().min(1, 'Enter your password.').max(MAX_PASSWORD_LENGTH),
});
export type ReauthRequest = z.infer<typeof reauthRequestSchema>;
