import { api } from '../../api/client';
import { okJson, type OkBody } from '../../api/errors';

/**
 * What the help desk can do for a caller. Staff never see or set a password: they unlock, send a
 * reset link to the person's own addresses, or read out a one-time code. The server audits each.
 */

export type IssuedCode = OkBody<Awaited<ReturnType<(typeof api.helpdesk.users)[':username']['verification-code']['$post']>>>;

export async function unlockAccount(username: string): Promise<void> {
  await okJson(api.helpdesk.users[':username'].unlock.$post({ param: { username } }));
}

/** Returns how many addresses the link went to. */
export async function sendResetLink(username: string): Promise<number> {
  return (await okJson(api.helpdesk.users[':username']['reset-link'].$post({ param: { username } }))).recipients;
}

export function issueVerificationCode(username: string): Promise<IssuedCode> {
  return okJson(api.helpdesk.users[':username']['verification-code'].$post({ param: { username } }));
}
