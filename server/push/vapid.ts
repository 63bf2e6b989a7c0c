import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import webpush from 'web-push';
import { ensurePrivateDir, restrictToOwner } from '../platform/private-files.js';

/** The portal's VAPID identity: browsers subscribe with the public key; the private key signs each push. */
export interface VapidKeys {
  publicKey: string;
  privateKey: string;
  /** `mailto:` or `https:` contact the push services may use to reach the operator. */
  subject: string;
}

/** Name of the generated key file inside the data directory. */
export const VAPID_KEYS_FILE = 'vapid-keys.json';

/**
 * The configured keys (VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY), else the ones in
 * `<dataDir>/vapid-keys.json`, generated there on first start (file 0600, directory 0700), like the
 * portal secret. Keep them: a new key pair silently orphans every browser's subscription (browsers
 * subscribed with the old public key), so people would have to turn notifications on again.
 */
export function loadVapidKeys(configured: { publicKey: string; privateKey: string } | null, subject: string, dataDir: string): VapidKeys {
  if (configured) return { ...configured, subject };
  ensurePrivateDir(dataDir);
  const file = path.join(dataDir, VAPID_KEYS_FILE);
  if (!fs.existsSync(file)) {
    // Written whole to a private temporary file, then linked into place: two processes starting
    // together end up with the same pair, and nobody reads a half-written file.
    const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    fs.writeFileSync(temporary, `${JSON.stringify(webpush.generateVAPIDKeys())}\n`, { mode: 0o600, flag: 'wx' });
    try {
      fs.linkSync(temporary, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      fs.rmSync(temporary, { force: true });
    }
  }
  restrictToOwner(file);
  let keys: { publicKey?: unknown; privateKey?: unknown };
  try {
    keys = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof keys;
  } catch {
    throw new Error(`${file} is not valid JSON. Restore it, or delete it to generate new keys (browsers then subscribe again).`);
  }
  if (typeof keys.publicKey !== 'string' || typeof keys.privateKey !== 'string') {
    throw new Error(`${file} does not hold VAPID keys. Restore it, or delete it to generate new keys (browsers then subscribe again).`);
  }
  return { publicKey: keys.publicKey, privateKey: keys.privateKey, subject };
}
