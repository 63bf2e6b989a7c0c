import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkPassword, effectiveRules, problemFromRefusal } from '../../server/features/password/policy.js';
import { passwordLength } from '../../shared/password.js';

const rules = effectiveRules({ minLength: 8, historyCount: 5, lockoutThreshold: 10 });
const alice = { rules, username: 'alice', displayName: 'Alice Anderson', companyName: 'Example Corp' };

describe('password policy (NIST SP 800-63B)', () => {
  it('raises the directory minimum to the portal floor of 12, and accepts up to 1024', () => {
    expect(rules).toEqual({ minLength: 12, maxLength: 1024, historyCount: 5 });
    expect(effectiveRules({ minLength: 16, historyCount: 0, lockoutThreshold: null }).minLength).toBe(16);
  });

  it('counts Unicode code points, not UTF-16 units', () => {
    const emoji = '🔑'.repeat(11);
    expect(emoji.length).toBe(22);
    expect(passwordLength(emoji)).toBe(11);
    expect(checkPassword(emoji, alice).problems).toContain('too_short');
    expect(checkPassword('密码短语很长很长很长很长的', alice)).toMatchObject({ ok: true });
  });

  it('has no composition rules: a long lower-case passphrase is fine', () => {
    expect(checkPassword('violet tram under maple trees', alice)).toMatchObject({ ok: true, problems: [] });
  });

  it('refuses common passwords, whatever their case', () => {
    expect(checkPassword('PASSWORD1234', alice).problems).toContain('common');
    expect(checkPassword('qwertyuiop123', alice).score).toBeLessThanOrEqual(1);
  });

  it("refuses the person's username and name, and the company name, and says which", () => {
    expect(checkPassword('i am alice and proud', alice).problems).toEqual(['contains_username']);
    expect(checkPassword('anderson family 1999', alice).problems).toEqual(['contains_name']);
    expect(checkPassword('working at example since', alice).problems).toEqual(['contains_company']);
  });

  it('never truncates: a 1024-character password is judged whole, 1025 is too long', () => {
    expect(checkPassword('a b'.repeat(341) + 'c', alice).problems).not.toContain('too_long');
    expect(checkPassword('x'.repeat(1025), alice).problems).toContain('too_long');
  });

  it('gives a score from 0 to 4 for any input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), (password) => {
        const verdict = checkPassword(password, alice);
        expect([0, 1, 2, 3, 4]).toContain(verdict.score);
        expect(verdict.ok).toBe(verdict.problems.length === 0);
      }),
      { numRuns: 150 },
    );
  });

  it('maps directory refusals to problems a person can act on', () => {
    expect(problemFromRefusal('in_history')).toBe('in_history');
    expect(problemFromRefusal('wrong_current_password')).toBe('policy');
  });
});
