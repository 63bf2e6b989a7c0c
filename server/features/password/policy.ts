import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as english from '@zxcvbn-ts/language-en';
import { MAX_PASSWORD_LENGTH } from '../../../shared/auth.js';
import {
  PORTAL_MIN_PASSWORD_LENGTH,
  passwordLength,
  type PasswordProblem,
  type PasswordRules,
  type PolicyVerdict,
} from '../../../shared/password.js';
import type { DirectoryPasswordPolicy, PasswordRefusal } from '../../directory/port.js';

// Built on first use: loading the dictionaries takes a moment and most requests never need them.
let zxcvbn: ZxcvbnFactory | undefined;
let commonPasswords: Set<string> | undefined;

function strengthChecker(): ZxcvbnFactory {
  zxcvbn ??= new ZxcvbnFactory({
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...english.dictionary },
    // The l33t matcher tries every substitution combination, which made single checks take 100 ms
    // and crafted input far longer (a known zxcvbn-ts issue, and a denial-of-service risk on a
    // server). A few substitutions still catch "p@ssw0rd".
    l33tMaxSubstitutions: 16,
  });
  return zxcvbn;
}

/** The ~50,000 most common passwords from breach corpora (zxcvbn's list), lower-cased. */
function isCommonPassword(password: string): boolean {
  commonPasswords ??= new Set((common.dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));
  return commonPasswords.has(password.toLowerCase());
}

/** The rules a person sees before typing: the directory's, raised to the portal's floor. */
export function effectiveRules(directoryPolicy: DirectoryPasswordPolicy): PasswordRules {
  return {
    minLength: Math.max(PORTAL_MIN_PASSWORD_LENGTH, directoryPolicy.minLength),
    maxLength: MAX_PASSWORD_LENGTH,
    historyCount: directoryPolicy.historyCount,
  };
}

export interface PasswordContext {
  rules: PasswordRules;
  /** Whose password it would be; their username and name parts are refused inside it. */
  username?: string | null;
  displayName?: string | null;
  companyName: string;
}

/** Lower-cased words of three letters or more: the parts of a name worth refusing. */
function nameParts(value: string | null | undefined): string[] {
  return (value ?? '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((part) => passwordLength(part) >= 3);
}

/**
 * NIST SP 800-63B rules: a minimum length in code points, no composition rules, nothing
 * truncated; refuse common and breached passwords, the person's own names and the company's.
 */
export function checkPassword(password: string, context: PasswordContext): PolicyVerdict {
  const problems: PasswordProblem[] = [];
  const length = passwordLength(password);
  if (length < context.rules.minLength) problems.push('too_short');
  if (password.length > context.rules.maxLength) problems.push('too_long');
  if (isCommonPassword(password)) problems.push('common');
  const lower = password.toLowerCase();
  const username = context.username?.toLowerCase();
  if (username && passwordLength(username) >= 3 && lower.includes(username)) problems.push('contains_username');
  else if (nameParts(context.displayName).some((part) => lower.includes(part))) problems.push('contains_name');
  if (nameParts(context.companyName).some((part) => lower.includes(part))) problems.push('contains_company');
  return {
    ok: problems.length === 0,
    problems,
    score: problems.includes('common') ? 0 : strengthOf(password, context),
    rules: context.rules,
  };
}

/**
 * zxcvbn's 0–4 score for the meter. Its cost grows with length, so only the first 64 characters
 * are scored: a lower bound, and 64 characters of anything but repetition already score 4.
 */
function strengthOf(password: string, context: PasswordContext): PolicyVerdict['score'] {
  const inputs = [context.username, context.displayName, context.companyName].filter((v): v is string => Boolean(v));
  return strengthChecker().check([...password].slice(0, 64).join(''), inputs).score;
}

/** A directory refusal, as a problem the person can act on. */
export function problemFromRefusal(reason: PasswordRefusal): PasswordProblem {
  switch (reason) {
    case 'too_short':
    case 'in_history':
    case 'quality':
    case 'too_soon':
      return reason;
    default:
      return 'policy';
  }
}
