import { randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, OneTimeSecretPurpose } from '../db/schema.js';
import type { Clock } from '../platform/clock.js';
import type { PortalKeys } from '../platform/keys.js';
import { constantTimeEqual, randomToken } from '../platform/secrets.js';
import { chargeSecretAttempt, consumeSecret, consumeSecretsOf, findLiveSecretByHash, findLiveSecrets, insertSecret, unconsumeSecret } from './repository.js';

/**
 * One-time secrets: codes a person types, link tokens, WebAuthn challenges. Each is bound to one
 * person and one purpose, lives a short time, and is consumed once, atomically. Password reset,
 * recovery-email confirmation and the help desk all issue and check them here.
 *
 * Stored form: HMAC-SHA-256 under a key derived from the portal secret, never a plain hash. An
 * 8-digit code has only 10^8 values, so a plain hash in a stolen database or backup falls to a
 * brute force in seconds; without the portal secret (kept outside the database) the keyed hash
 * gives nothing to guess against. Link tokens and challenges get the same treatment so one rule
 * covers the table. (Flow ids and session ids stay plain SHA-256, see sessions/service.ts and
 * password/flows.ts: they are 256 random bits, which no offline search can cover, and they are
 * not one-time secrets.)
 *
 * To run inside a transaction, pass the deps with `db` set to the transaction.
 */
export interface OneTimeSecretDeps {
  db: Kysely<Database>;
  clock: Clock;
  keys: PortalKeys;
}

/** Codes people read and type. */
export type CodePurpose = 'email_code' | 'helpdesk_code' | 'email_confirm';

/** How long each kind of secret lives (SECURITY: codes ≤ 10 min, links ≤ 30 min). */
export const TTL: Readonly<Record<OneTimeSecretPurpose, number>> = {
  email_code: 10 * 60_000,
  helpdesk_code: 10 * 60_000,
  reset_link: 30 * 60_000,
  email_confirm: 30 * 60_000,
  webauthn_challenge: 5 * 60_000,
  // A new hire's first password link. Days, not minutes, on purpose: it goes to a personal mailbox
  // at local midnight of the start date, and the hire may open it on the first morning or after a
  // weekend; the account is already enabled, so nothing is exposed that a reset link would not
  // expose, and the link works once, names no one and is void as soon as the password is set.
  activation: 7 * 24 * 60 * 60_000,
};

/** Purposes of link tokens (mailed as a link, looked up by the token alone). */
export type LinkPurpose = 'reset_link' | 'activation';

/** Wrong guesses one code survives. */
export const CODE_MAX_ATTEMPTS = 5;

/** An 8-digit code from the CSPRNG, for a person to read and type. */
export function newNumericCode(): string {
  return String(randomInt(0, 100_000_000)).padStart(8, '0');
}

/** People type codes with spaces or dashes ("1234 5678"); those are not part of the code. */
export function normalizeCode(code: string): string {
  return code.replace(/[\s-]/g, '');
}

/** The stored form of a secret bound to a person: useless for any other person or purpose, and without the key. */
function personalHash(deps: OneTimeSecretDeps, purpose: OneTimeSecretPurpose, username: string, secret: string): string {
  return deps.keys.mac('oneTimeSecrets', `${purpose}\u0000${username}\u0000${secret}`);
}

/** Link tokens are looked up before anyone knows whose they are, so their hash names no person. */
function tokenHash(deps: OneTimeSecretDeps, purpose: OneTimeSecretPurpose, token: string): string {
  return deps.keys.mac('oneTimeSecrets', `${purpose}\u0000${token}`);
}

export interface Issued {
  /** The code or token itself: mailed or shown once, never stored. */
  secret: string;
  expiresAt: number;
}

/** Issues an 8-digit code for a person (optionally tied to one reset flow). */
export async function issueCode(
  deps: OneTimeSecretDeps,
  input: { purpose: CodePurpose; username: string; flowIdHash?: string | null; createdBy?: string | null },
): Promise<Issued> {
  const code = newNumericCode();
  const now = deps.clock.now();
  const expiresAt = now + TTL[input.purpose];
  await insertSecret(deps.db, {
    secretHash: personalHash(deps, input.purpose, input.username, code),
    username: input.username,
    purpose: input.purpose,
    flowIdHash: input.flowIdHash ?? null,
    now,
    expiresAt,
    createdBy: input.createdBy ?? null,
  });
  return { secret: code, expiresAt };
}

/** Issues a 256-bit link token for a person (a reset link). */
export async function issueLinkToken(
  deps: OneTimeSecretDeps,
  input: { username: string; createdBy?: string | null; purpose?: LinkPurpose },
): Promise<Issued> {
  const purpose = input.purpose ?? 'reset_link';
  const token = randomToken(32);
  const now = deps.clock.now();
  const expiresAt = now + TTL[purpose];
  await insertSecret(deps.db, {
    secretHash: tokenHash(deps, purpose, token),
    username: input.username,
    purpose,
    flowIdHash: null,
    now,
    expiresAt,
    createdBy: input.createdBy ?? null,
  });
  return { secret: token, expiresAt };
}

/** Remembers a WebAuthn challenge someone else generated, for one person (and flow). */
export async function rememberChallenge(
  deps: OneTimeSecretDeps,
  input: { username: string; challenge: string; flowIdHash: string | null },
): Promise<void> {
  const now = deps.clock.now();
  await insertSecret(deps.db, {
    secretHash: personalHash(deps, 'webauthn_challenge', input.username, input.challenge),
    username: input.username,
    purpose: 'webauthn_challenge',
    flowIdHash: input.flowIdHash,
    now,
    expiresAt: now + TTL.webauthn_challenge,
    createdBy: null,
  });
}

/**
 * Checks a typed code against the person's live codes of one purpose (and flow) and consumes the
 * match atomically: of parallel submissions exactly one wins. Each guess is first counted against
 * the newest code that still has guesses left, in one statement, and only then judged, so a
 * parallel burst cannot get more than CODE_MAX_ATTEMPTS guesses at a code: once every live code
 * has used its guesses the answer is `exhausted` (nothing judged). A code that has used its
 * guesses no longer matches. Says who issued the matching code (help-desk codes), so a reset it
 * enables is audited as on their behalf.
 */
export async function verifyCode(
  deps: OneTimeSecretDeps,
  input: { purpose: CodePurpose; username: string; code: string; flowIdHash?: string },
): Promise<{ ok: boolean; issuedBy: string | null; exhausted: boolean }> {
  const now = deps.clock.now();
  const where = { username: input.username, purpose: input.purpose, now, flowIdHash: input.flowIdHash };
  const charged = await chargeSecretAttempt(deps.db, where, CODE_MAX_ATTEMPTS);
  const live = await findLiveSecrets(deps.db, input.username, input.purpose, now, input.flowIdHash);
  if (charged === null) return { ok: false, issuedBy: null, exhausted: live.length > 0 };
  const wanted = personalHash(deps, input.purpose, input.username, normalizeCode(input.code));
  for (const secret of live) {
    // The charged code may just have reached the limit with this very guess; it still counts.
    if (secret.id !== charged && secret.attempts >= CODE_MAX_ATTEMPTS) continue;
    if (constantTimeEqual(secret.secret_hash, wanted)) {
      const ok = await consumeSecret(deps.db, secret.id, now);
      return { ok, issuedBy: ok ? secret.created_by : null, exhausted: false };
    }
  }
  return { ok: false, issuedBy: null, exhausted: false };
}

/** Consumes a WebAuthn challenge the browser signed, if it is one issued to this person (and flow). */
export async function takeChallenge(
  deps: OneTimeSecretDeps,
  input: { username: string; challenge: string; flowIdHash?: string },
): Promise<boolean> {
  const now = deps.clock.now();
  const wanted = personalHash(deps, 'webauthn_challenge', input.username, input.challenge);
  const live = await findLiveSecrets(deps.db, input.username, 'webauthn_challenge', now, input.flowIdHash);
  const match = live.find((s) => constantTimeEqual(s.secret_hash, wanted));
  return match ? consumeSecret(deps.db, match.id, now) : false;
}

/** Consumes a live link token, once, atomically; returns whose it was, or null. */
export async function consumeLinkToken(
  deps: OneTimeSecretDeps,
  token: string,
  purpose: LinkPurpose = 'reset_link',
): Promise<{ id: number; username: string; createdBy: string | null } | null> {
  const now = deps.clock.now();
  const secret = await findLiveSecretByHash(deps.db, tokenHash(deps, purpose, token), purpose, now);
  if (!secret || !(await consumeSecret(deps.db, secret.id, now))) return null;
  return { id: secret.id, username: secret.username, createdBy: secret.created_by };
}

/**
 * Gives a consumed link token back (the work it was consumed for failed: the directory refused the
 * password or was down), so the person can try again with the same link. Expiry is unchanged.
 */
export async function restoreLinkToken(deps: OneTimeSecretDeps, id: number): Promise<void> {
  await unconsumeSecret(deps.db, id);
}

/** Whose a live link token is, without consuming it (the activation page greets the hire first). */
export async function peekLinkToken(
  deps: OneTimeSecretDeps,
  token: string,
  purpose: LinkPurpose,
): Promise<{ username: string; expiresAt: number } | null> {
  const secret = await findLiveSecretByHash(deps.db, tokenHash(deps, purpose, token), purpose, deps.clock.now());
  return secret ? { username: secret.username, expiresAt: Number(secret.expires_at) } : null;
}

/** Voids every outstanding secret of a person, or only those of some purposes. */
export async function voidSecretsOf(deps: OneTimeSecretDeps, username: string, purposes?: readonly OneTimeSecretPurpose[]): Promise<void> {
  await consumeSecretsOf(deps.db, username, deps.clock.now(), purposes);
}
