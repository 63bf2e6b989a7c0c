/**
 * Active Directory wire formats: the `unicodePwd` value AD requires for password writes, and the
 * FILETIME it uses for `lockoutTime`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeUnicodePwd } from '../../server/directory/ad-password.js';
import { parseFileTime } from '../../server/directory/ldap.js';

describe('encodeUnicodePwd', () => {
  it('wraps the password in double quotes and encodes it as UTF-16LE', () => {
    expect([...encodeUnicodePwd('new')]).toEqual([0x22, 0x00, 0x6e, 0x00, 0x65, 0x00, 0x77, 0x00, 0x22, 0x00]);
    expect(encodeUnicodePwd('')).toEqual(Buffer.from([0x22, 0x00, 0x22, 0x00]));
  });

  it('encodes non-Latin characters as their UTF-16 code units, low byte first', () => {
    // é = U+00E9, 中 = U+4E2D
    expect([...encodeUnicodePwd('é中')]).toEqual([0x22, 0x00, 0xe9, 0x00, 0x2d, 0x4e, 0x22, 0x00]);
  });

  it('encodes characters outside the BMP as surrogate pairs', () => {
    // U+1F600 😀 = D83D DE00
    expect([...encodeUnicodePwd('😀')]).toEqual([0x22, 0x00, 0x3d, 0xd8, 0x00, 0xde, 0x22, 0x00]);
  });

  it('keeps quotes inside the password as they are (AD strips only the outer pair)', () => {
    expect(encodeUnicodePwd('a"b').toString('utf16le')).toBe('"a"b"');
  });

  it('decodes back to the quoted password for any password', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (password) => {
        const encoded = encodeUnicodePwd(password);
        expect(encoded.length).toBe((password.length + 2) * 2);
        expect(encoded.toString('utf16le')).toBe(`"${password}"`);
      }),
    );
  });
});

describe('parseFileTime (lockoutTime)', () => {
  it('converts 100-ns ticks since 1601 to a date, and 0 to "never"', () => {
    expect(parseFileTime('116444736000000000')).toEqual(new Date(0));
    // 2026-11-24T10:15:00Z
    expect(parseFileTime(String(116444736000000000n + BigInt(Date.UTC(2026, 10, 24, 10, 15)) * 10_000n))).toEqual(
      new Date(Date.UTC(2026, 10, 24, 10, 15)),
    );
    expect(parseFileTime('0')).toBeNull();
    expect(parseFileTime('-1')).toBeNull();
    expect(parseFileTime('')).toBeNull();
  });
});
