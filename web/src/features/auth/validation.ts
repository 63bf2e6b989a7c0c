import type { LoginRequest } from '../../../../shared/auth';

/*
 * The same rules as `loginRequestSchema` in shared/auth.ts, written out so the sign-in page
 * does not bundle zod (83 KB minified, more than a quarter of the first-load budget). The
 * server validates with the schema itself; keep these numbers in step with it.
 */
const MAX_LOGIN_LENGTH = 256;
const MAX_PASSWORD_LENGTH = 1024;

export type LoginField = 'username' | 'password';
export type LoginProblem = 'required' | 'tooLong';

export type LoginCheck = { ok: true; request: LoginRequest } | { ok: false; problems: Partial<Record<LoginField, LoginProblem>> };

/** Checks the sign-in form; the username is trimmed as the server trims it. */
export function checkLogin(username: string, password: string): LoginCheck {
  const problems: Partial<Record<LoginField, LoginProblem>> = {};
  const name = username.trim();
  if (!name) problems.username = 'required';
  else if (name.length > MAX_LOGIN_LENGTH) problems.username = 'tooLong';
  if (!password) problems.password = 'required';
  else if (password.length > MAX_PASSWORD_LENGTH) problems.password = 'tooLong';
  if (problems.username || problems.password) return { ok: false, problems };
  return { ok: true, request: { username: name, password } };
}
