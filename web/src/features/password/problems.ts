import type { PasswordProblem } from '../../../../shared/password';

/*
 * Written out rather than imported: shared/password.ts also holds the zod schemas, and zod stays
 * out of the browser bundle. The Record type makes the compiler insist on every problem, and
 * tests/unit/web-password.test.ts checks the list against PASSWORD_PROBLEMS.
 */
const KNOWN: Record<PasswordProblem, true> = {
  too_short: true,
  too_long: true,
  common: true,
  contains_username: true,
  contains_name: true,
  contains_company: true,
  in_history: true,
  quality: true,
  too_soon: true,
  policy: true,
};

export const PASSWORD_PROBLEM_CODES = Object.keys(KNOWN) as PasswordProblem[];

/** Whether a code from the server is one this build can explain. */
export function isPasswordProblem(value: string): value is PasswordProblem {
  return Object.hasOwn(KNOWN, value);
}

/** Length as the server counts it: Unicode code points (an emoji is one). */
export function passwordLength(password: string): number {
  return [...password].length;
}
