/**
 * LDAP filter (RFC 4515) and DN (RFC 4514) escaping: whatever a person types, or HR sends, stays
 * a value and never becomes filter or DN syntax. Examples first, then properties over arbitrary
 * strings, checked both with an independent decoder written here and with ldapts's own filter
 * parser (the code that actually turns our filter strings into packets).
 */
import fc from 'fast-check';
import { EqualityFilter, FilterParser, SubstringFilter, AndFilter } from 'ldapts';
import { describe, expect, it } from 'vitest';
import { escapeDnValue, escapeFilterValue, firstRdnValue, normalizeDn } from '../../server/directory/ldap-escape.js';
import { parseGeneralizedTime } from '../../server/directory/ldap.js';

// ---------------------------------------------------------------------------------------------
// Generators

/** Characters that mean something in filters or DNs, plus non-ASCII and astral ones. */
const TRICKY = ['*', '(', ')', '\\', '\0', ',', '+', '"', ';', '<', '>', '=', '#', ' ', '\n', '\x7f', 'é', 'ß', '中', '😀', '𝄞', '\uFEFF'];

/** Well-formed strings (no lone surrogates) that are dense in tricky characters. */
const trickyString = fc.string({
  unit: fc.oneof(
    { arbitrary: fc.constantFrom(...TRICKY), weight: 3 },
    { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 2 },
  ),
  maxLength: 40,
});

/** Any sequence of UTF-16 code units, lone surrogates included. */
const anyCodeUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength: 40 });

// ---------------------------------------------------------------------------------------------
// Independent decoders, written from the RFCs (not from the code under test)

/** RFC 4515 value decoding: `\XX` is one byte; everything else is itself in UTF-8. Rejects raw specials. */
function decodeFilterValue(escaped: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < escaped.length;) {
    const char = escaped[i]!;
    if (char === '\\') {
      const hex = escaped.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new Error(`bad escape at ${i}`);
      bytes.push(Number.parseInt(hex, 16));
      i += 3;
    } else if ('*()\0'.includes(char)) {
      throw new Error(`unescaped ${JSON.stringify(char)} at ${i}`);
    } else {
      const codePoint = escaped.codePointAt(i)!;
      const text = String.fromCodePoint(codePoint);
      bytes.push(...Buffer.from(text, 'utf8'));
      i += text.length;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Must be escaped anywhere in a value (RFC 4514 `escaped` plus ESC); `=` may be, but need not be. */
const DN_MUST_ESCAPE = ',+"\\<>;';
/** What may follow a backslash besides a hex pair (RFC 4514 `pair`). */
const DN_PAIR = ',+"\\<>; #=';

/**
 * Parses a DN into [type, value] pairs per RFC 4514 (string values only), rejecting anything
 * RFC 4514 forbids unescaped inside a value.
 */
function parseDn(dn: string): Array<[string, string]> {
  const rdns: Array<[string, string]> = [];
  let i = 0;
  const bytes = Buffer.from(dn, 'utf8');
  const at = (index: number) => String.fromCharCode(bytes[index]!);
  while (i < bytes.length) {
    const typeStart = i;
    while (i < bytes.length && at(i) !== '=') i++;
    const type = bytes.subarray(typeStart, i).toString('utf8');
    if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(type)) throw new Error(`bad attribute type ${JSON.stringify(type)}`);
    i++; // '='
    const value: number[] = [];
    let first = true;
    let lastWasEscapedSpace = false;
    while (i < bytes.length && at(i) !== ',') {
      const c = at(i);
      if (c === '\\') {
        const hex = bytes.subarray(i + 1, i + 3).toString('latin1');
        if (/^[0-9a-fA-F]{2}$/.test(hex)) {
          value.push(Number.parseInt(hex, 16));
          i += 3;
          lastWasEscapedSpace = false;
        } else if (i + 1 < bytes.length && DN_PAIR.includes(at(i + 1))) {
          value.push(bytes[i + 1]!);
          lastWasEscapedSpace = at(i + 1) === ' ';
          i += 2;
        } else {
          throw new Error(`bad escape at ${i}`);
        }
      } else {
        if (DN_MUST_ESCAPE.includes(c) || c === '\0') throw new Error(`unescaped ${JSON.stringify(c)} at ${i}`);
        if (first && (c === ' ' || c === '#')) throw new Error(`unescaped leading ${JSON.stringify(c)}`);
        value.push(bytes[i]!);
        lastWasEscapedSpace = false;
        i++;
      }
      first = false;
    }
    if (value.length > 0 && value[value.length - 1] === 0x20 && !lastWasEscapedSpace) throw new Error('unescaped trailing space');
    rdns.push([type, Buffer.from(value).toString('utf8')]);
    if (i < bytes.length) i++; // ','
  }
  return rdns;
}

// ---------------------------------------------------------------------------------------------

describe('escapeFilterValue (RFC 4515)', () => {
  it('escapes the five filter specials as hex', () => {
    expect(escapeFilterValue('*')).toBe('\\2a');
    expect(escapeFilterValue('(')).toBe('\\28');
    expect(escapeFilterValue(')')).toBe('\\29');
    expect(escapeFilterValue('\\')).toBe('\\5c');
    expect(escapeFilterValue('\0')).toBe('\\00');
    expect(escapeFilterValue('alice')).toBe('alice');
    expect(escapeFilterValue('')).toBe('');
  });

  it('keeps an injection attempt a literal username', () => {
    const escaped = escapeFilterValue('*)(uid=*');
    expect(escaped).toBe('\\2a\\29\\28uid=\\2a');
    const filter = FilterParser.parseString(`(&(objectClass=inetOrgPerson)(uid=${escaped}))`);
    expect(filter).toBeInstanceOf(AndFilter);
    const children = (filter as AndFilter).filters;
    expect(children).toHaveLength(2);
    expect(children[1]).toBeInstanceOf(EqualityFilter);
    expect((children[1] as EqualityFilter).value).toBe('*)(uid=*');

    const closing = escapeFilterValue('alice)(|(objectClass=*');
    expect(FilterParser.parseString(`(uid=${closing})`)).toMatchObject({ attribute: 'uid', value: 'alice)(|(objectClass=*' });
  });

  it('leaves non-ASCII as UTF-8, because ldapts decodes each \\XX escape as a separate character', () => {
    expect(escapeFilterValue('Zoë Ünal')).toBe('Zoë Ünal');
    expect((FilterParser.parseString(`(cn=${escapeFilterValue('Zoë')})`) as EqualityFilter).value).toBe('Zoë');
    // The quirk this guards against: escaping ë as its UTF-8 bytes would search for "Ã«".
    expect((FilterParser.parseString('(cn=Zo\\c3\\ab)') as EqualityFilter).value).not.toBe('Zoë');
  });

  it('turns a lone surrogate, which has no UTF-8 form, into U+FFFD', () => {
    expect(escapeFilterValue('a\uD800b')).toBe('a\uFFFDb');
    expect(escapeFilterValue('😀')).toBe('😀');
  });

  it('never leaves an unescaped special, and decoding gives the input back', () => {
    fc.assert(
      fc.property(trickyString, (value) => {
        const escaped = escapeFilterValue(value);
        expect(escaped).toMatch(/^(?:[^*()\\\0]|\\[0-9a-f]{2})*$/u);
        expect(decodeFilterValue(escaped)).toBe(value);
      }),
      { numRuns: 500 },
    );
  });

  it('survives any UTF-16 input, lone surrogates included', () => {
    fc.assert(
      fc.property(anyCodeUnits, (value) => {
        const escaped = escapeFilterValue(value);
        expect(escaped).toMatch(/^(?:[^*()\\\0]|\\[0-9a-f]{2})*$/u);
        expect(Buffer.from(escaped, 'utf8').toString('utf8')).toBe(escaped);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips through ldapts as an equality and as a substring value', () => {
    fc.assert(
      fc.property(trickyString, (value) => {
        const equality = FilterParser.parseString(`(&(objectClass=inetOrgPerson)(uid=${escapeFilterValue(value)}))`) as AndFilter;
        expect(equality.filters).toHaveLength(2);
        expect(equality.filters[1]).toBeInstanceOf(EqualityFilter);
        expect((equality.filters[1] as EqualityFilter).value).toBe(value);

        fc.pre(value.length > 0);
        const substring = FilterParser.parseString(`(displayName=*${escapeFilterValue(value)}*)`);
        expect(substring).toBeInstanceOf(SubstringFilter);
        expect((substring as SubstringFilter).any).toEqual([value]);
      }),
      { numRuns: 500 },
    );
  });
});

describe('escapeDnValue (RFC 4514)', () => {
  it('escapes the DN specials, a leading space or #, a trailing space and NUL', () => {
    expect(escapeDnValue('Smith, John')).toBe('Smith\\, John');
    expect(escapeDnValue('a+b="c";<d>\\')).toBe('a\\+b\\=\\"c\\"\\;\\<d\\>\\\\');
    expect(escapeDnValue('#1 fan')).toBe('\\#1 fan');
    expect(escapeDnValue(' padded ')).toBe('\\ padded\\ ');
    expect(escapeDnValue(' ')).toBe('\\ ');
    expect(escapeDnValue('mid#dle')).toBe('mid#dle');
    expect(escapeDnValue('nul\0')).toBe('nul\\00');
    expect(escapeDnValue('Zoë')).toBe('Zoë');
  });

  it('keeps a value that tries to add RDNs inside one RDN', () => {
    const dn = `uid=${escapeDnValue('mallory,ou=admins,dc=example,dc=org')},ou=people,dc=example,dc=org`;
    expect(parseDn(dn)).toEqual([
      ['uid', 'mallory,ou=admins,dc=example,dc=org'],
      ['ou', 'people'],
      ['dc', 'example'],
      ['dc', 'org'],
    ]);
  });

  it('round-trips through an RFC 4514 parser, always as exactly one RDN value', () => {
    fc.assert(
      fc.property(trickyString, (value) => {
        const dn = `cn=${escapeDnValue(value)},ou=groups,dc=example,dc=org`;
        const rdns = parseDn(dn);
        expect(rdns).toHaveLength(4);
        expect(rdns[0]).toEqual(['cn', value]);
      }),
      { numRuns: 500 },
    );
  });

  it('is read back by firstRdnValue, which maps Active Directory memberOf DNs to group names', () => {
    expect(firstRdnValue('CN=Portal Admins\\, EU,OU=Groups,DC=corp,DC=example')).toBe('Portal Admins, EU');
    expect(firstRdnValue('CN=Z\\C3\\B6e,OU=Groups,DC=corp')).toBe('Zöe');
    expect(firstRdnValue('cn=a+sn=b,dc=x')).toBe('a');
    expect(firstRdnValue('CN=#04024869,DC=x')).toBeNull();
    expect(firstRdnValue('no-equals-sign')).toBeNull();
    fc.assert(
      fc.property(trickyString, (value) => {
        fc.pre(value.length > 0);
        expect(firstRdnValue(`CN=${escapeDnValue(value)},OU=Groups,DC=corp,DC=example`)).toBe(value);
      }),
      { numRuns: 500 },
    );
  });
});

describe('normalizeDn (role groups are compared by DN)', () => {
  it('gives every spelling of one group DN the same form, and keeps different values apart', () => {
    fc.assert(
      fc.property(trickyString, trickyString, (value, other) => {
        fc.pre(value.length > 0 && other.length > 0);
        const dn = normalizeDn(`cn=${escapeDnValue(value)},ou=groups,dc=example,dc=org`);
        expect(dn).not.toBeNull();
        // Upper-case types, spaces after commas, and hex-escaped specials are the same DN.
        const hexEscaped = escapeDnValue(value).replace(/\\([,+";<>=\\])/g, (_m, c: string) => `\\${c.charCodeAt(0).toString(16)}`);
        expect(normalizeDn(`CN=${hexEscaped}, OU=groups, DC=example, DC=org`)).toBe(dn);
        // The value survives (case-folded), so one group cannot pass for another.
        expect(firstRdnValue(dn!)).toBe(value.toLowerCase());
        if (value.toLowerCase() !== other.toLowerCase()) {
          expect(normalizeDn(`cn=${escapeDnValue(other)},ou=groups,dc=example,dc=org`)).not.toBe(dn);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseGeneralizedTime (pwdAccountLockedTime)', () => {
  it('reads UTC, fractional seconds and offsets, and refuses anything else', () => {
    expect(parseGeneralizedTime('20261124101500Z')).toEqual(new Date('2026-11-24T10:15:00Z'));
    expect(parseGeneralizedTime('20261124101500.25Z')).toEqual(new Date('2026-11-24T10:15:00.250Z'));
    expect(parseGeneralizedTime('20261124101500+0130')).toEqual(new Date('2026-11-24T08:45:00Z'));
    expect(parseGeneralizedTime('202611241015Z')).toEqual(new Date('2026-11-24T10:15:00Z'));
    expect(parseGeneralizedTime('2026-11-24T10:15:00Z')).toBeNull();
    expect(parseGeneralizedTime('')).toBeNull();
  });
});
