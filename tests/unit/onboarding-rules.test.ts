import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_USERNAME_PATTERN,
  hireChangeSchema,
  isTimeZone,
  MAX_USERNAME_STEM,
  newHireSchema,
  roleBundleSchema,
  usernameFromPattern,
} from '../../shared/onboarding.js';

const base = {
  firstName: 'Jane',
  lastName: 'Doe',
  personalEmail: 'jane@example.org',
  startDate: '2026-12-07',
  timeZone: 'Asia/Tokyo',
  department: 'Engineering',
  title: 'Engineer',
  manager: 'mark',
};

function fieldsOf(result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }): string[] {
  return (result.error?.issues ?? []).map((issue) => issue.path.join('.'));
}

describe('new hire input', () => {
  it('accepts a plain hire, trims names and defaults the employment type', () => {
    const parsed = newHireSchema.parse({ ...base, firstName: '  Jane  ', lastName: ' van  der Berg ' });
    expect(parsed.firstName).toBe('Jane');
    expect(parsed.lastName).toBe('van der Berg');
    expect(parsed.employmentType).toBe('full_time');
  });

  it('refuses a day that does not exist, a zone that does not exist and empty names, each on its field', () => {
    const result = newHireSchema.safeParse({ ...base, firstName: '   ', startDate: '2026-02-30', timeZone: 'Mars/Olympus' });
    expect(result.success).toBe(false);
    expect(fieldsOf(result).sort()).toEqual(['firstName', 'startDate', 'timeZone']);
  });

  it('refuses fixed offsets, control characters, unknown fields and bad managers', () => {
    for (const bad of [
      { timeZone: '+09:00' },
      { timeZone: 'asia/tokyo/../x' },
      { lastName: 'Doe\u0000' },
      { manager: 'uid=mark,ou=people' },
      { employmentType: 'volunteer' },
      { extra: 1 },
      { firstName: 'x'.repeat(65) },
    ]) {
      expect(newHireSchema.safeParse({ ...base, ...bad }).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it('knows real zones, including DST zones and UTC', () => {
    for (const zone of ['Asia/Tokyo', 'America/Los_Angeles', 'Europe/Berlin', 'UTC', 'Asia/Kolkata']) expect(isTimeZone(zone)).toBe(true);
    for (const zone of ['Mars/Olympus', '', 'Tokyo', 'GMT+25']) expect(isTimeZone(zone)).toBe(false);
  });

  it('needs at least one field to change', () => {
    expect(hireChangeSchema.safeParse({}).success).toBe(false);
    expect(hireChangeSchema.safeParse({ startDate: '2026-12-08' }).success).toBe(true);
  });

  it('refuses a role bundle with a group or item twice', () => {
    expect(roleBundleSchema.safeParse({ key: 'eng', name: 'Engineer', groups: ['dev', 'DEV'] }).success).toBe(false);
    expect(roleBundleSchema.safeParse({ key: 'eng', name: 'Engineer', items: [{ modelId: 'a' }, { modelId: 'a' }] }).success).toBe(false);
    expect(roleBundleSchema.safeParse({ key: 'Eng!', name: 'Engineer' }).success).toBe(false);
    // /onboarding/bundles/new is the editor's page for a new bundle, so no bundle may be keyed "new".
    expect(roleBundleSchema.safeParse({ key: 'new', name: 'New' }).success).toBe(false);
    expect(roleBundleSchema.safeParse({ key: 'newbie', name: 'New' }).success).toBe(true);
  });
});

describe('usernames from a pattern', () => {
  const p = DEFAULT_USERNAME_PATTERN;
  it('lower-cases and strips accents', () => {
    expect(usernameFromPattern(p, { firstName: 'José', lastName: 'Núñez' })).toBe('jose.nunez');
    expect(usernameFromPattern(p, { firstName: 'Zoë', lastName: "O'Brien-Łukasz" })).toBe('zoe.obrienlukasz');
    expect(usernameFromPattern(p, { firstName: 'Jürgen', lastName: 'Groß' })).toBe('jurgen.gross');
    expect(usernameFromPattern('{f}{last}', { firstName: 'Ann', lastName: 'Lee' })).toBe('alee');
  });

  it('numbers collisions from 2', () => {
    expect(usernameFromPattern(p, { firstName: 'Jane', lastName: 'Doe' }, 1)).toBe('jane.doe');
    expect(usernameFromPattern(p, { firstName: 'Jane', lastName: 'Doe' }, 2)).toBe('jane.doe2');
    expect(usernameFromPattern(p, { firstName: 'Jane', lastName: 'Doe' }, 3)).toBe('jane.doe3');
  });

  it('drops DN and shell specials so hostile names still give a usable username', () => {
    expect(usernameFromPattern(p, { firstName: ' ,+"\\<>;#= Eve', lastName: 'Smith;' })).toBe('eve.smith');
  });

  it('gives CJK names the email local part, else a stable user+digest', () => {
    expect(usernameFromPattern(p, { firstName: '太郎', lastName: '山田', personalEmail: 'taro.yamada@example.jp' })).toBe('taro.yamada');
    const a = usernameFromPattern(p, { firstName: '太郎', lastName: '山田', personalEmail: '山田@example.jp' });
    expect(a).toMatch(/^user[a-z0-9]{6}$/);
    expect(usernameFromPattern(p, { firstName: '太郎', lastName: '山田' })).toBe(a);
    expect(usernameFromPattern(p, { firstName: '花子', lastName: '山田' })).not.toBe(a);
  });

  it('always gives a short, safe, non-empty username (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.integer({ min: 1, max: 99 }), (firstName, lastName, attempt) => {
        const name = usernameFromPattern(p, { firstName, lastName }, attempt);
        expect(name).toMatch(/^[a-z][a-z0-9._-]*$/);
        expect(name.length).toBeLessThanOrEqual(MAX_USERNAME_STEM + 2);
      }),
    );
  });
});
