/**
 * Escaping for values that go into LDAP search filters (RFC 4515) and distinguished names
 * (RFC 4514). Every value that reaches a filter or a DN — usernames typed at sign-in, mail
 * addresses, search boxes, DNs read back from the directory, names from HR data — goes
 * through one of these, so a value can only ever be a value and never filter or DN syntax.
 * `firstRdnValue` goes the other way, for names read back out of DNs.
 */

const REPLACEMENT_CHARACTER = '\uFFFD';

/** Two lower-case hex digits for an ASCII code, as used by both RFCs' hex escapes. */
function hexByte(code: number): string {
  return code.toString(16).padStart(2, '0');
}

/** True for a lone UTF-16 surrogate, which has no UTF-8 encoding and so cannot reach the wire intact. */
function isLoneSurrogate(char: string): boolean {
  // for..of yields a whole surrogate pair as one string of length 2; a lone one has length 1.
  const code = char.charCodeAt(0);
  return char.length === 1 && code >= 0xd800 && code <= 0xdfff;
}

/**
 * Escapes a string for use as an assertion value inside an LDAP search filter (RFC 4515 §3),
 * e.g. `(uid=${escapeFilterValue(username)})`.
 *
 * `*`, `(`, `)`, `\` and NUL become `\2a`, `\28`, `\29`, `\5c` and `\00`, so `*)(uid=*` stays a
 * literal username instead of widening the filter. Other ASCII control characters are hex-escaped
 * too (harmless, and it keeps filters printable in logs).
 *
 * Non-ASCII characters are left as UTF-8, which RFC 4515 allows (`UTFMB`). They are deliberately
 * NOT hex-escaped: ldapts parses each `\XX` as one UTF-16 code unit, so the escaped bytes of "ë"
 * (`\c3\ab`) would be re-encoded as "Ã«" and never match. A lone surrogate, which has no UTF-8 form,
 * becomes U+FFFD — the same thing the wire encoding would do, but visible here.
 */
export function escapeFilterValue(value: string): string {
  let escaped = '';
  for (const char of value) {
    if (isLoneSurrogate(char)) {
      escaped += REPLACEMENT_CHARACTER;
      continue;
    }
    const code = char.codePointAt(0) ?? 0;
    if (char === '*' || char === '(' || char === ')' || char === '\\' || code < 0x20 || code === 0x7f) {
      escaped += `\\${hexByte(code)}`;
    } else {
      escaped += char;
    }
  }
  return escaped;
}

/** Characters RFC 4514 §2.4 requires (or, for `=`, allows) to be backslash-escaped anywhere in a value. */
const DN_SPECIALS = new Set(['"', '+', ',', ';', '<', '>', '\\', '=']);

/**
 * Escapes a string for use as an attribute value inside a distinguished name (RFC 4514 §2.4),
 * e.g. `uid=${escapeDnValue(username)},ou=people,dc=example,dc=org`.
 *
 * Backslash-escapes `"` `+` `,` `;` `<` `>` `\` `=` everywhere, a leading space or `#` and a
 * trailing space; NUL and other ASCII control characters become hex pairs (`\00`). Anything
 * else, including non-ASCII, is kept as UTF-8 as the RFC allows. A lone surrogate becomes U+FFFD.
 * Use it for every DN built from data, including names that come from HR.
 */
export function escapeDnValue(value: string): string {
  const chars = Array.from(value, (char) => (isLoneSurrogate(char) ? REPLACEMENT_CHARACTER : char));
  let escaped = '';
  chars.forEach((char, index) => {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x20 || code === 0x7f) {
      escaped += `\\${hexByte(code)}`;
    } else if (DN_SPECIALS.has(char)) {
      escaped += `\\${char}`;
    } else if (index === 0 && (char === ' ' || char === '#')) {
      escaped += `\\${char}`;
    } else if (index === chars.length - 1 && char === ' ') {
      escaped += '\\ ';
    } else {
      escaped += char;
    }
  });
  return escaped;
}

/**
 * The value of a DN's first RDN (`CN=Portal Admins\, EU,OU=Groups,…` → `Portal Admins, EU`),
 * with RFC 4514 escapes undone. Used for AD's memberOf, whose group DNs start with CN=<name>.
 */
export function firstRdnValue(dn: string): string | null {
  const equals = dn.indexOf('=');
  if (equals === -1) return null;
  const raw = dn.slice(equals + 1);
  // A BER-encoded value (`CN=#04…`) is not a name we can show; treat it as missing.
  if (raw.startsWith('#')) return null;
  const text = Buffer.from(raw, 'utf8');
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const byte = text[i]!;
    if (byte === 0x5c /* \ */) {
      // A hex pair is one byte of a UTF-8 sequence; anything else is an escaped special character.
      const hex = text.subarray(i + 1, i + 3).toString('latin1');
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        bytes.push(Number.parseInt(hex, 16));
        i += 2;
      } else if (i + 1 < text.length) {
        bytes.push(text[i + 1]!);
        i += 1;
      }
    } else if (byte === 0x2c /* , */ || byte === 0x2b /* + */) {
      break;
    } else {
      bytes.push(byte);
    }
  }
  return bytes.length > 0 ? Buffer.from(bytes).toString('utf8') : null;
}

/** Splits `text` at every `separator` that is not backslash-escaped (RFC 4514 escapes). */
function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === '\\' && i + 1 < text.length) {
      current += char + text[i + 1];
      i += 1;
    } else if (char === separator) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}

/** Undoes RFC 4514 escapes in one attribute value (`\,` and hex pairs such as `\c3\ab`). */
function unescapeDnValue(raw: string): string {
  const text = Buffer.from(raw, 'utf8');
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const byte = text[i]!;
    if (byte === 0x5c && i + 1 < text.length) {
      const hex = text.subarray(i + 1, i + 3).toString('latin1');
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        bytes.push(Number.parseInt(hex, 16));
        i += 2;
      } else {
        bytes.push(text[i + 1]!);
        i += 1;
      }
    } else {
      bytes.push(byte);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

const ATTRIBUTE_TYPE = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)*)$/;

/**
 * A DN in one canonical spelling, so two spellings of the same entry compare equal:
 * `CN=Portal Admins\, EU, OU=Groups,DC=corp` and `cn=portal admins\2c eu,ou=groups,dc=corp` both
 * become `cn=portal admins\, eu,ou=groups,dc=corp`. Attribute types and values compare
 * case-insensitively, as every naming attribute a group DN uses does in LDAP. Null when `dn` is
 * not a DN.
 */
export function normalizeDn(dn: string): string | null {
  if (typeof dn !== 'string' || dn.trim() === '') return null;
  const rdns: string[] = [];
  for (const rdn of splitUnescaped(dn.trim(), ',')) {
    const attributes: string[] = [];
    for (const pair of splitUnescaped(rdn, '+')) {
      const equals = pair.indexOf('=');
      if (equals === -1) return null;
      const type = pair.slice(0, equals).trim();
      // Leading and trailing spaces around a value are not part of it unless escaped.
      const raw = pair
        .slice(equals + 1)
        .replace(/^ +/, '')
        .replace(/(?<!\\) +$/, '');
      if (!ATTRIBUTE_TYPE.test(type) || raw === '' || raw.startsWith('#')) return null;
      attributes.push(`${type.toLowerCase()}=${escapeDnValue(unescapeDnValue(raw).toLowerCase())}`);
    }
    rdns.push(attributes.sort().join('+'));
  }
  return rdns.join(',');
}

/** True when the text is meant as a DN (it names an attribute), rather than a bare group name. */
export function isDn(value: string): boolean {
  return /^\s*[A-Za-z0-9.-]+\s*=/.test(value);
}

/** The DN one level up (`cn=x,ou=groups,dc=corp` → `ou=groups,dc=corp`); the DN itself at the top. */
export function parentDn(dn: string): string {
  const comma = dn.search(/(?<!\\),/);
  return comma === -1 ? dn : dn.slice(comma + 1).trim();
}

/**
 * A configured list of groups: bare names or full DNs. DNs contain commas, so a list with a DN in it
 * is separated by `;` (RFC 4514 requires `;` escaped inside a value); a list of names by commas.
 */
export function splitGroupList(value: string): string[] {
  const parts = value.includes(';') || isDn(value) ? splitUnescaped(value, ';') : value.split(',');
  return parts.map((part) => part.trim()).filter(Boolean);
}
