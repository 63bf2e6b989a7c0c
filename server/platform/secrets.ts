import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

/** A random token from the CSPRNG, base64url; 32 bytes = 256 bits unless told otherwise. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * SHA-256 hex of a token: what we store for session ids and reset-flow ids. A plain hash is
 * enough for those (unlike short codes, which one-time-secrets keys with the portal secret): they
 * are 256 bits from the CSPRNG, so a hash read from a stolen database cannot be searched back to
 * the id, and they are looked up on every request without needing a key.
 */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Compares two hashes without leaking, through timing, how many leading characters match. */
export function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

// argon2id with OWASP's recommended floor (19 MiB, 2 passes, 1 lane).
const ARGON2ID = 2; // Algorithm.Argon2id; the package declares it as a const enum, which isolatedModules cannot import.
const ARGON2_OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}
