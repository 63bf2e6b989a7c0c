/**
 * The wire side of LDAP password writes, as pure functions: the BER that ldapts has no class for
 * (RFC 3062's password-modify request, ppolicy's response control, Active Directory's
 * policy-hints control), and how each directory's refusals read as a PasswordRefusal.
 */
import { Control, ResultCodeError } from 'ldapts';
import { RESULT, hasCode } from './ldap-client.js';
import type { PasswordRefusal, PasswordWrite } from './port.js';

export const PASSWORD_MODIFY_OID = '1.3.6.1.4.1.4203.1.11.1';

function berLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), berLength(content.length), content]);
}

/** RFC 3062 PasswdModifyRequestValue: SEQUENCE { userIdentity [0], oldPasswd [1], newPasswd [2] }, UTF-8 octets. */
export function passwordModifyRequest(fields: { userIdentity?: string; oldPasswd?: string; newPasswd: string }): Buffer {
  const parts: Buffer[] = [];
  if (fields.userIdentity !== undefined) parts.push(tlv(0x80, Buffer.from(fields.userIdentity, 'utf8')));
  if (fields.oldPasswd !== undefined) parts.push(tlv(0x81, Buffer.from(fields.oldPasswd, 'utf8')));
  parts.push(tlv(0x82, Buffer.from(fields.newPasswd, 'utf8')));
  return tlv(0x30, Buffer.concat(parts));
}

/** One BER element at `offset`: its tag and where its contents start and end; null when malformed. */
function readElement(buffer: Buffer, offset: number): { tag: number; start: number; end: number } | null {
  if (offset + 2 > buffer.length) return null;
  const tag = buffer[offset]!;
  let length = buffer[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || start + count > buffer.length) return null;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buffer[start + i]!;
    start += count;
  }
  const end = start + length;
  return end <= buffer.length ? { tag, start, end } : null;
}

/**
 * The `error` of a ppolicy response control (draft-behera-ldap-password-policy):
 * SEQUENCE { warning [0] … OPTIONAL, error [1] ENUMERATED OPTIONAL }; null when absent or malformed.
 */
export function decodePasswordPolicyError(value: Buffer): number | null {
  const sequence = readElement(value, 0);
  if (!sequence || sequence.tag !== 0x30) return null;
  for (let offset = sequence.start; offset < sequence.end;) {
    const element = readElement(value, offset);
    if (!element || element.end > sequence.end) return null;
    if (element.tag === 0x81) {
      if (element.end - element.start < 1 || element.end - element.start > 4) return null;
      return value.subarray(element.start, element.end).reduce((n, byte) => n * 256 + byte, 0);
    }
    offset = element.end;
  }
  return null;
}

/**
 * The ppolicy request control. ldapts hands a response control with the same OID to the request
 * control's parser, so after the operation `error` holds ppolicy's reason, if it gave one.
 */
export class PasswordPolicyControl extends Control {
  static readonly type = '1.3.6.1.4.1.42.2.27.8.5.1';
  error: number | null = null;

  constructor() {
    super(PasswordPolicyControl.type, { critical: false });
  }

  protected override parseControl(reader: { readonly buffer: Buffer }): void {
    this.error = decodePasswordPolicyError(reader.buffer);
  }
}

/**
 * Active Directory's LDAP_SERVER_POLICY_HINTS_OID (Windows Server 2012 and later) with flags 1:
 * an administrative reset then honours password history and minimum age like a change does.
 * Not critical, so a domain controller that does not know it still performs the reset.
 */
export class PolicyHintsControl extends Control {
  static readonly type = '1.2.840.113556.1.4.2239';

  constructor() {
    super(PolicyHintsControl.type, { critical: false });
  }

  protected override writeControl(writer: { writeBuffer(buffer: Buffer, tag: number): void }): void {
    // OCTET STRING containing SEQUENCE { Flags INTEGER 1 }.
    writer.writeBuffer(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]), 0x04);
  }
}

/** ppolicy's error codes a person can act on; the rest (3 passwordModNotAllowed, 4 mustSupplyOldPassword, …) are 'policy'. */
const PPOLICY_REFUSALS: Partial<Record<number, PasswordRefusal>> = {
  5: 'quality',
  6: 'too_short',
  7: 'too_soon',
  8: 'in_history',
};

/** When a server sends no response control: slapd's diagnostic texts for result 19. */
function refusalFromMessage(message: string): PasswordRefusal {
  const text = message.toLowerCase();
  if (text.includes('too short')) return 'too_short';
  if (text.includes('history') || text.includes('not being changed')) return 'in_history';
  if (text.includes('too young')) return 'too_soon';
  if (text.includes('quality')) return 'quality';
  return 'policy';
}

/** An OpenLDAP write error as a refusal; null when it is not one (the caller treats it as an outage). */
export function openLdapRefusal(error: unknown, control: PasswordPolicyControl, kind: PasswordWrite['kind']): PasswordRefusal | null {
  if (!(error instanceof ResultCodeError)) return null;
  if (control.error !== null) return PPOLICY_REFUSALS[control.error] ?? 'policy';
  if (error.code === RESULT.constraintViolation) return refusalFromMessage(error.message);
  // 53 "unwilling to verify old password"; 32: the entry went away between look-up and write.
  if (kind === 'change' && hasCode(error, RESULT.unwillingToPerform, RESULT.noSuchObject)) return 'wrong_current_password';
  if (error.code === RESULT.noSuchObject) return 'policy';
  return null;
}

/**
 * An Active Directory write error as a refusal. AD says why only in the diagnostic text:
 * 0000052D (ERROR_PASSWORD_RESTRICTION: length, complexity, history or age, not told apart) and
 * 00000056 (ERROR_INVALID_PASSWORD: the old value of a change is wrong).
 */
export function adRefusal(error: unknown, kind: PasswordWrite['kind']): PasswordRefusal | null {
  if (!(error instanceof ResultCodeError)) return null;
  const text = error.message.toUpperCase();
  if (kind === 'change') {
    if (error.code === RESULT.constraintViolation && text.includes('00000056')) return 'wrong_current_password';
    // Where the old value simply is not there (servers other than AD): the same thing.
    if (error.code === RESULT.noSuchAttribute) return 'wrong_current_password';
    // "User cannot change password" is an access refusal on AD.
    if (error.code === RESULT.insufficientAccessRights) return 'policy';
  }
  if (error.code === RESULT.constraintViolation) return 'policy';
  if (error.code === RESULT.unwillingToPerform && text.includes('0000052D')) return 'policy';
  return null;
}
