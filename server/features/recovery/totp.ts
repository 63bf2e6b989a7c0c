import type { Kysely } from 'kysely';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import type { Database } from '../../db/schema.js';
import { normalizeCode } from '../../one-time-secrets/service.js';
import { DecryptionError, isSealed, type PortalKeys } from '../../platform/keys.js';
import type { PasswordDeps } from '../password/deps.js';
import {
  acceptTotpStep,
  findOneSealedTotp,
  findTotp,
  findUnsealedTotpSecrets,
  replaceTotpSecret,
  upsertPendingTotp,
} from './repository.js';

// RFC 6238 with the parameters every authenticator app supports: SHA-1, 6 digits, 30 seconds.
const PERIOD = 30;

// A TOTP secret is a shared secret: whoever reads it makes valid codes forever. So it is stored
// sealed (AES-256-GCM under a key derived from the portal secret, which is not in the database),
// with the username as associated data: a sealed secret copied onto another person's row does
// not open. A value in clear is refused on read rather than used: once the portal has started,
// every legitimate one is sealed (sealLegacyTotpSecrets), so a clear one was written behind its back.

function seal(keys: PortalKeys, username: string, secret: string): string {
  return keys.seal('totpSecrets', secret, username);
}

/** The base32 secret of a stored factor; null when it was altered, moved, in clear, or sealed under another portal secret. */
function openSecret(keys: PortalKeys, username: string, stored: string): string | null {
  if (!isSealed(stored)) return null;
  try {
    return keys.open('totpSecrets', stored, username);
  } catch (error) {
    if (error instanceof DecryptionError) return null;
    throw error;
  }
}

function totpFor(secret: string, username: string, issuer: string): TOTP {
  return new TOTP({ issuer, label: username, algorithm: 'SHA1', digits: 6, period: PERIOD, secret: Secret.fromBase32(secret) });
}

/**
 * Seals the secrets stored in clear by earlier versions. Run by the composition root at every
 * start, after the migrations (a migration cannot: it does not know the portal secret), so an
 * upgraded database holds no authenticator secret in clear once the portal has started.
 * Returns how many it sealed.
 */
export async function sealLegacyTotpSecrets(db: Kysely<Database>, keys: PortalKeys): Promise<number> {
  let sealed = 0;
  for (const row of await findUnsealedTotpSecrets(db)) {
    if (await replaceTotpSecret(db, row.username, row.secret, seal(keys, row.username, row.secret))) sealed++;
  }
  return sealed;
}

/**
 * Whether the portal secret opens what is sealed in this database (null: nothing sealed yet).
 * False means the database was restored or copied without its secret: enrolled authenticator
 * apps and pending codes will not work until the right PORTAL_SECRET is set.
 */
export async function portalSecretMatches(db: Kysely<Database>, keys: PortalKeys): Promise<boolean | null> {
  const sample = await findOneSealedTotp(db);
  return sample ? openSecret(keys, sample.username, sample.secret) !== null : null;
}

/** Starts (or restarts) enrolment: a new 160-bit secret, pending until a first code confirms it. */
export async function beginTotpEnrolment(
  deps: PasswordDeps,
  username: string,
): Promise<{ secret: string; uri: string; qrDataUrl: string }> {
  const secret = new Secret({ size: 20 }).base32;
  await upsertPendingTotp(deps.db, username, seal(deps.keys, username, secret), deps.clock.now());
  const uri = totpFor(secret, username, `${deps.companyName} IT`).toString();
  const qrDataUrl = await QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, width: 240 });
  return { secret, uri, qrDataUrl };
}

/**
 * Checks a code (one step of clock drift either way) and accepts each time step once, so a code
 * seen over someone's shoulder cannot be replayed. `confirm` marks a pending enrolment as ready.
 */
export async function verifyTotpCode(deps: PasswordDeps, username: string, code: string, confirm = false): Promise<boolean> {
  const factor = await findTotp(deps.db, username);
  if (!factor || (!confirm && factor.confirmed_at === null)) return false;
  const token = normalizeCode(code);
  if (!/^\d{6}$/.test(token)) return false;
  const secret = openSecret(deps.keys, username, factor.secret);
  if (secret === null) {
    deps.logger.warn({ username }, 'stored authenticator secret refused (altered, or sealed under another portal secret)');
    return false;
  }
  const now = deps.clock.now();
  const delta = totpFor(secret, username, deps.companyName).validate({ token, timestamp: now, window: 1 });
  if (delta === null) return false;
  const step = Math.floor(now / 1000 / PERIOD) + delta;
  return acceptTotpStep(deps.db, username, step, now, confirm);
}
