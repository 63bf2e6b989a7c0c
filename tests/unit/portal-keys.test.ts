import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.js';
import { DecryptionError, parsePortalSecret, PortalKeys } from '../../server/platform/keys.js';

const secretA = randomBytes(32);
const secretB = randomBytes(32);

describe('the portal secret', () => {
  it('accepts 64 hex digits or 43+ base64url characters, and nothing weaker', () => {
    const bytes = randomBytes(32);
    expect(parsePortalSecret(bytes.toString('hex'))).toEqual(bytes);
    expect(parsePortalSecret(bytes.toString('base64url'))).toEqual(bytes);
    expect(parsePortalSecret(bytes.toString('base64'))).toEqual(bytes);
    expect(parsePortalSecret(`${bytes.toString('hex')}\n`)).toEqual(bytes); // as read from a file
    expect(parsePortalSecret(bytes.toString('hex').slice(0, 62))).toBeNull(); // 31 bytes
    expect(parsePortalSecret(bytes.toString('base64url').slice(0, 40))).toBeNull();
    expect(parsePortalSecret('0'.repeat(64))).toBeNull(); // a placeholder, not a secret
    expect(parsePortalSecret('correct horse battery staple correct horse battery')).toBeNull();
    expect(parsePortalSecret('')).toBeNull();
  });

  it('is a configuration error when set too weak, without echoing the value', () => {
    const weak = 'changeme-changeme';
    let error: unknown;
    try {
      loadConfig({ PORTAL_SECRET: weak });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('PORTAL_SECRET must carry at least 256 random bits');
    expect((error as ConfigError).message).not.toContain(weak);
    const hex = randomBytes(32).toString('hex');
    expect(loadConfig({ PORTAL_SECRET: hex }).portalSecret?.toString('hex')).toBe(hex);
    expect(loadConfig({}).portalSecret).toBeNull();
  });
});

describe('keys derived from the portal secret', () => {
  it('gives each use its own key, and another secret other keys', () => {
    const a = new PortalKeys(secretA);
    expect(a.mac('oneTimeSecrets', 'x')).toMatch(/^[0-9a-f]{64}$/);
    expect(a.mac('oneTimeSecrets', 'x')).toBe(new PortalKeys(secretA).mac('oneTimeSecrets', 'x'));
    expect(a.mac('oneTimeSecrets', 'x')).not.toBe(a.mac('totpSecrets', 'x'));
    expect(a.mac('oneTimeSecrets', 'x')).not.toBe(new PortalKeys(secretB).mac('oneTimeSecrets', 'x'));
    expect(() => new PortalKeys(randomBytes(16))).toThrow();
  });

  it('seals with a version prefix and a fresh nonce, and opens only with the same secret and associated data', () => {
    const keys = new PortalKeys(secretA);
    const one = keys.seal('totpSecrets', 'JBSWY3DPEHPK3PXP', 'alice');
    const two = keys.seal('totpSecrets', 'JBSWY3DPEHPK3PXP', 'alice');
    expect(one).toMatch(/^v1:[A-Za-z0-9_-]+$/);
    expect(one).not.toBe(two);
    expect(one).not.toContain('JBSWY3DPEHPK3PXP');
    expect(keys.open('totpSecrets', one, 'alice')).toBe('JBSWY3DPEHPK3PXP');
    expect(keys.open('totpSecrets', two, 'alice')).toBe('JBSWY3DPEHPK3PXP');
    expect(() => keys.open('totpSecrets', one, 'mallory')).toThrow(DecryptionError);
    expect(() => keys.open('oneTimeSecrets', one, 'alice')).toThrow(DecryptionError);
    expect(() => new PortalKeys(secretB).open('totpSecrets', one, 'alice')).toThrow(DecryptionError);
    expect(() => keys.open('totpSecrets', 'JBSWY3DPEHPK3PXP', 'alice')).toThrow(DecryptionError);
    expect(() => keys.open('totpSecrets', 'v1:AAAA', 'alice')).toThrow(DecryptionError);
  });

  it('refuses a sealed value with any byte changed', () => {
    const keys = new PortalKeys(secretA);
    const sealed = keys.seal('totpSecrets', 'JBSWY3DPEHPK3PXP', 'alice');
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    for (let i = 0; i < raw.length; i++) {
      const tampered = Buffer.from(raw);
      tampered[i]! ^= 0x01;
      expect(() => keys.open('totpSecrets', `v1:${tampered.toString('base64url')}`, 'alice')).toThrow(DecryptionError);
    }
  });
});
