/**
 * Directory password wire formats: Active Directory's `unicodePwd` value, its policy-hints
 * control and how its refusals read; the FILETIME it uses for `lockoutTime`; OpenLDAP's
 * password-modify request (RFC 3062) and ppolicy response control, and how their refusals read.
 */
import fc from 'fast-check';
import {
  ConstraintViolationError,
  InsufficientAccessError,
  ModifyRequest,
  NoSuchObjectError,
  OperationsError,
  UnwillingToPerformError,
} from 'ldapts';
import { describe, expect, it } from 'vitest';
import { encodeUnicodePwd } from '../../server/directory/ad-password.js';
import { parseFileTime } from '../../server/directory/ldap.js';
import {
  PasswordPolicyControl,
  PolicyHintsControl,
  adRefusal,
  decodePasswordPolicyError,
  openLdapRefusal,
  passwordModifyRequest,
} from '../../server/directory/ldap-password-protocol.js';

function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

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

describe('Active Directory policy-hints control (LDAP_SERVER_POLICY_HINTS_OID)', () => {
  it('is sent non-critical with the value SEQUENCE { Flags INTEGER 1 }', () => {
    const message = new ModifyRequest({ messageId: 1, dn: 'cn=x', changes: [], controls: [new PolicyHintsControl()] }).write();
    const control = Buffer.concat([
      hex('04 17'),
      Buffer.from('1.2.840.113556.1.4.2239'),
      // criticality FALSE, then the value as an OCTET STRING.
      hex('01 01 00 04 05 30 03 02 01 01'),
    ]);
    expect(message.includes(control)).toBe(true);
  });
});

describe('adRefusal', () => {
  const policyText = '0000052D: Constraint violation - check_password_restrictions: the password does not meet the complexity criteria';
  const wrongOld =
    '00000056: AtrErr: DSID-03190F80, #1:\n\t0: 00000056: DSID-03190F80, problem 1005 (CONSTRAINT_ATT_TYPE), data 0, Att 9005a (unicodePwd)';

  it("turns AD's password-restriction refusals into 'policy' (AD does not say which rule)", () => {
    for (const kind of ['reset', 'change'] as const) {
      expect(adRefusal(new ConstraintViolationError(policyText), kind)).toBe('policy');
      expect(adRefusal(new UnwillingToPerformError('0000052D: SvcErr: DSID-031A12D2, problem 5003 (WILL_NOT_PERFORM), data 0'), kind)).toBe(
        'policy',
      );
      expect(adRefusal(new ConstraintViolationError('anything else'), kind)).toBe('policy');
    }
  });

  it("turns a change's wrong old value into 'wrong_current_password'", () => {
    expect(adRefusal(new ConstraintViolationError(wrongOld), 'change')).toBe('wrong_current_password');
    expect(adRefusal(new ConstraintViolationError(wrongOld), 'reset')).toBe('policy');
  });

  it("reads an access refusal as 'User cannot change password' on a change, and as a misconfigured service account on a reset", () => {
    expect(adRefusal(new InsufficientAccessError('00002098: SecErr: DSID-03150F94, problem 4003'), 'change')).toBe('policy');
    expect(adRefusal(new InsufficientAccessError('00002098: SecErr: DSID-03150F94, problem 4003'), 'reset')).toBeNull();
  });

  it('leaves everything else to be reported as the directory being unavailable', () => {
    expect(adRefusal(new UnwillingToPerformError('00002077: SvcErr: DSID-03190F4C, problem 5003 (WILL_NOT_PERFORM)'), 'reset')).toBeNull();
    expect(adRefusal(new OperationsError('busy'), 'reset')).toBeNull();
    expect(adRefusal(new Error('socket hang up'), 'change')).toBeNull();
  });
});

describe('passwordModifyRequest (RFC 3062)', () => {
  it('encodes userIdentity [0], oldPasswd [1] and newPasswd [2] as UTF-8 octets in a SEQUENCE', () => {
    expect(passwordModifyRequest({ userIdentity: 'uid=a', newPasswd: 'pw' })).toEqual(
      Buffer.concat([hex('30 0b 80 05'), Buffer.from('uid=a'), hex('82 02'), Buffer.from('pw')]),
    );
    expect(passwordModifyRequest({ oldPasswd: 'ä', newPasswd: '😀' })).toEqual(hex('30 0a 81 02 c3 a4 82 04 f0 9f 98 80'));
  });

  it('uses long-form lengths for long values', () => {
    const encoded = passwordModifyRequest({ newPasswd: 'x'.repeat(300) });
    expect(encoded.subarray(0, 8)).toEqual(hex('30 82 01 30 82 82 01 2c'));
    expect(encoded.length).toBe(4 + 4 + 300);
  });

  it('round-trips any password and DN, byte for byte', () => {
    /** The contents of each [n] element of the SEQUENCE. */
    function decode(buffer: Buffer): Map<number, string> {
      const readLength = (offset: number): [number, number] => {
        const first = buffer[offset]!;
        if (first < 0x80) return [first, offset + 1];
        let length = 0;
        for (let i = 1; i <= (first & 0x7f); i++) length = length * 256 + buffer[offset + i]!;
        return [length, offset + 1 + (first & 0x7f)];
      };
      const fields = new Map<number, string>();
      const [total, start] = readLength(1);
      expect(buffer[0]).toBe(0x30);
      expect(start + total).toBe(buffer.length);
      for (let offset = start; offset < buffer.length;) {
        const tag = buffer[offset]!;
        const [length, contents] = readLength(offset + 1);
        fields.set(tag, buffer.subarray(contents, contents + length).toString('utf8'));
        offset = contents + length;
      }
      return fields;
    }
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 300 }), (dn, password) => {
        const fields = decode(passwordModifyRequest({ userIdentity: dn, oldPasswd: password, newPasswd: `${password}!` }));
        expect(fields).toEqual(
          new Map([
            [0x80, dn],
            [0x81, password],
            [0x82, `${password}!`],
          ]),
        );
      }),
    );
  });
});

describe('ppolicy response control', () => {
  it('reads the error, with or without a warning before it', () => {
    expect(decodePasswordPolicyError(hex('30 03 81 01 06'))).toBe(6);
    expect(decodePasswordPolicyError(hex('30 03 81 01 08'))).toBe(8);
    expect(decodePasswordPolicyError(hex('30 08 a0 03 80 01 05 81 01 02'))).toBe(2);
  });

  it('answers null for no error, a warning only, or malformed bytes, and never throws', () => {
    expect(decodePasswordPolicyError(hex('30 00'))).toBeNull();
    expect(decodePasswordPolicyError(hex('30 05 a0 03 80 01 05'))).toBeNull();
    expect(decodePasswordPolicyError(hex('30 03 81 01'))).toBeNull();
    expect(decodePasswordPolicyError(hex('31 03 81 01 06'))).toBeNull();
    expect(decodePasswordPolicyError(Buffer.alloc(0))).toBeNull();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const error = decodePasswordPolicyError(Buffer.from(bytes));
        expect(error === null || Number.isInteger(error)).toBe(true);
      }),
    );
  });
});

describe('openLdapRefusal', () => {
  function withError(code: number | null): PasswordPolicyControl {
    const control = new PasswordPolicyControl();
    control.error = code;
    return control;
  }

  it("maps ppolicy's error codes to what a person can act on", () => {
    const refusal = (code: number) => openLdapRefusal(new ConstraintViolationError('whatever'), withError(code), 'reset');
    expect(refusal(5)).toBe('quality');
    expect(refusal(6)).toBe('too_short');
    expect(refusal(7)).toBe('too_soon');
    expect(refusal(8)).toBe('in_history');
    // passwordModNotAllowed, mustSupplyOldPassword, passwordTooLong, and codes from later drafts.
    for (const code of [3, 4, 9, 42]) expect(refusal(code)).toBe('policy');
    expect(openLdapRefusal(new InsufficientAccessError('User alteration of password is not allowed'), withError(3), 'change')).toBe(
      'policy',
    );
  });

  it("falls back on slapd's messages for result 19 when the server sent no control", () => {
    const refusal = (message: string) => openLdapRefusal(new ConstraintViolationError(message), withError(null), 'reset');
    expect(refusal('Password is in history of old passwords')).toBe('in_history');
    expect(refusal('Password is not being changed from existing value')).toBe('in_history');
    expect(refusal('Password is too young to change')).toBe('too_soon');
    expect(refusal('Password is too short for policy')).toBe('too_short');
    expect(refusal('Password fails quality checking policy')).toBe('quality');
    expect(refusal('something new')).toBe('policy');
  });

  it('reads a refused old password or a vanished entry, and leaves the rest to be reported as unavailable', () => {
    const none = withError(null);
    expect(openLdapRefusal(new UnwillingToPerformError('unwilling to verify old password'), none, 'change')).toBe('wrong_current_password');
    expect(openLdapRefusal(new NoSuchObjectError(), none, 'change')).toBe('wrong_current_password');
    expect(openLdapRefusal(new NoSuchObjectError(), none, 'reset')).toBe('policy');
    expect(openLdapRefusal(new UnwillingToPerformError('no'), none, 'reset')).toBeNull();
    expect(openLdapRefusal(new InsufficientAccessError(), none, 'reset')).toBeNull();
    expect(openLdapRefusal(new Error('ECONNRESET'), none, 'reset')).toBeNull();
  });
});
