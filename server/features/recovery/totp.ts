import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import { acceptTotpStep, findTotp, upsertPendingTotp } from './repository.js';
import type { PasswordDeps } from '../password/deps.js';
import { normalizeCode } from '../password/secrets.js';

// RFC 6238 with the parameters every authenticator app supports: SHA-1, 6 digits, 30 seconds.
const PERIOD = 30;

function totpFor(secret: string, username: string, issuer: string): TOTP {
  return new TOTP({ issuer, label: username, algorithm: 'SHA1', digits: 6, period: PERIOD, secret: Secret.fromBase32(secret) });
}

/** Starts (or restarts) enrolment: a new 160-bit secret, pending until a first code confirms it. */
export async function beginTotpEnrolment(
  deps: PasswordDeps,
  username: string,
): Promise<{ secret: string; uri: string; qrDataUrl: string }> {
  const secret = new Secret({ size: 20 }).base32;
  await upsertPendingTotp(deps.db, username, secret, deps.clock.now());
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
  const now = deps.clock.now();
  const delta = totpFor(factor.secret, username, deps.companyName).validate({ token, timestamp: now, window: 1 });
  if (delta === null) return false;
  const step = Math.floor(now / 1000 / PERIOD) + delta;
  return acceptTotpStep(deps.db, username, step, now, confirm);
}
