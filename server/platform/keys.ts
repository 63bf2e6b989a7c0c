import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir, restrictToOwner } from './private-files.js';

/**
 * The portal secret and the keys derived from it. The secret lives outside the database (in
 * PORTAL_SECRET or a 0600 file in the data directory), so a stolen database or backup alone
 * verifies no code and decrypts no authenticator secret.
 */

/** Bytes of the portal secret: 256 bits. */
export const PORTAL_SECRET_BYTES = 32;
/** Name of the generated secret file inside the data directory. */
export const PORTAL_SECRET_FILE = 'portal-secret';

/**
 * Each use gets its own key (HKDF `info`), so a key can never be turned against another use and
 * a use can rotate alone. Add a line here for a new use; never reuse one.
 */
export const KEY_USES = {
  oneTimeSecrets: 'employee-it-portal/one-time-secrets/hmac-sha256/v1',
  totpSecrets: 'employee-it-portal/totp-secrets/aes-256-gcm/v1',
  mailJobs: 'employee-it-portal/mail-jobs/aes-256-gcm/v1',
  searchBursts: 'employee-it-portal/kb-search-bursts/hmac-sha256/v1',
  scimTokens: 'employee-it-portal/scim-tokens/hmac-sha256/v1',
} as const;
export type KeyUse = keyof typeof KEY_USES;

/** Stored ciphertexts start with this, so a later key or algorithm can sit beside the old one. */
const SEALED_V1 = 'v1:';
const NONCE_BYTES = 12; // 96-bit, random per encryption (GCM's recommended size)
const TAG_BYTES = 16;

export class DecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecryptionError';
  }
}

/** Keys derived from the portal secret. Holds key material: never log it or put it in a response. */
export class PortalKeys {
  readonly #keys: Record<KeyUse, Buffer>;

  constructor(secret: Buffer) {
    if (secret.length < PORTAL_SECRET_BYTES) throw new Error(`The portal secret must be at least ${PORTAL_SECRET_BYTES} bytes.`);
    const derive = (info: string) => Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), info, 32));
    this.#keys = {
      oneTimeSecrets: derive(KEY_USES.oneTimeSecrets),
      totpSecrets: derive(KEY_USES.totpSecrets),
      mailJobs: derive(KEY_USES.mailJobs),
      searchBursts: derive(KEY_USES.searchBursts),
      scimTokens: derive(KEY_USES.scimTokens),
    };
  }

  /** HMAC-SHA-256 (hex) of a value under the key of one use. */
  mac(use: KeyUse, value: string): string {
    return createHmac('sha256', this.#keys[use]).update(value, 'utf8').digest('hex');
  }

  /**
   * AES-256-GCM with a fresh random nonce. The associated data (e.g. the owner's username) is not
   * stored but must be given again to open: a ciphertext moved to another row does not open.
   */
  seal(use: KeyUse, plaintext: string, associatedData: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#keys[use], nonce);
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return SEALED_V1 + Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url');
  }

  /** Opens what seal made; throws DecryptionError when it was altered, moved, or sealed under another secret. */
  open(use: KeyUse, sealed: string, associatedData: string): string {
    if (!isSealed(sealed)) throw new DecryptionError('not a sealed value');
    const raw = Buffer.from(sealed.slice(SEALED_V1.length), 'base64url');
    if (raw.length < NONCE_BYTES + TAG_BYTES) throw new DecryptionError('sealed value too short');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#keys[use], raw.subarray(0, NONCE_BYTES));
      decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new DecryptionError('sealed value refused (altered, moved, or sealed under another secret)');
    }
  }
}

/** True when a stored value was made by seal (any version we know). */
export function isSealed(value: string): boolean {
  return value.startsWith(SEALED_V1);
}

/**
 * Reads a portal secret as written in PORTAL_SECRET or the secret file: hex (64+ digits) or
 * base64/base64url (43+ characters). Returns null when it is neither or carries less than 256 bits.
 */
export function parsePortalSecret(text: string): Buffer | null {
  const value = text.trim();
  let bytes: Buffer | null = null;
  if (/^[0-9a-fA-F]+$/.test(value) && value.length % 2 === 0) bytes = Buffer.from(value, 'hex');
  else if (/^[A-Za-z0-9_-]+$/.test(value) || /^[A-Za-z0-9+/]+={0,2}$/.test(value)) bytes = Buffer.from(value, 'base64');
  if (!bytes || bytes.length < PORTAL_SECRET_BYTES) return null;
  // 32 random bytes have ~30 distinct values; fewer than 16 means a placeholder ("0000…", "aaaa…").
  if (new Set(bytes).size < 16) return null;
  return bytes;
}

/**
 * The portal secret: the configured one, else the one in `<dataDir>/portal-secret`, generated
 * there on first start (256 bits from the CSPRNG, file mode 0600, directory 0700). Two processes
 * starting together on one data directory end up with the same secret.
 */
export function loadPortalSecret(configured: Buffer | null, dataDir: string): Buffer {
  if (configured) return configured;
  ensurePrivateDir(dataDir);
  const file = path.join(dataDir, PORTAL_SECRET_FILE);
  if (!fs.existsSync(file)) {
    // Written whole to a private temporary file, then linked into place: link() fails if another
    // process got there first, and nobody ever reads a half-written secret.
    const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    fs.writeFileSync(temporary, `${randomBytes(PORTAL_SECRET_BYTES).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    try {
      fs.linkSync(temporary, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      fs.rmSync(temporary, { force: true });
    }
  }
  restrictToOwner(file);
  const secret = parsePortalSecret(fs.readFileSync(file, 'utf8'));
  if (!secret) throw new Error(`${file} does not hold a usable portal secret (64 hex digits). Restore it from where you keep it.`);
  return secret;
}
