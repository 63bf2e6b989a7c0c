import { HttpError } from '../../http/errors.js';
import { sendMailLater } from '../../mail/outbox.js';
import { resetLinkMail } from '../../mail/templates.js';
import { randomToken, sha256Hex } from '../../platform/secrets.js';
import type { PasswordDeps } from './deps.js';
import { getResetPolicy } from '../settings/service.js';
import { addressesOf } from './addresses.js';
import { consumeSecret, findLiveSecretByHash, insertFlow, insertSecret } from './repository.js';
import { linkTokenHash, TTL } from './secrets.js';

/**
 * The help desk sends a reset link: a 256-bit single-use token, mailed to the person's own
 * addresses (never one the caller gives), with the link built from PUBLIC_URL only.
 */
export async function sendResetLink(deps: PasswordDeps, username: string, staff: string): Promise<{ recipients: number }> {
  const user = await deps.directory.findUser(username);
  if (!user) throw new HttpError(404, 'not_found', 'That person was not found.');
  const { forCodes } = await addressesOf(deps.db, user, await getResetPolicy(deps.db));
  if (!forCodes.length)
    throw new HttpError(409, 'method_not_available', 'This person has no address to send a link to. Issue a verification code instead.');
  const token = randomToken(32);
  const link = new URL(`/reset#token=${token}`, deps.publicUrl).href;
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    await insertSecret(trx, {
      secretHash: linkTokenHash(token),
      username: user.username,
      purpose: 'reset_link',
      flowIdHash: null,
      now,
      ttlMs: TTL.resetLink,
      createdBy: staff,
    });
    for (const to of forCodes) await sendMailLater(trx, now, resetLinkMail(to, link, TTL.resetLink / 60_000, deps.companyName));
  });
  await deps.audit.record({
    action: 'helpdesk.reset_link_sent',
    actor: staff,
    subject: user.username,
    result: 'success',
    details: { recipients: forCodes.length },
  });
  return { recipients: forCodes.length };
}

/**
 * Opening the link consumes the token (once, atomically) and starts a flow in which the mailbox
 * is already proven: the email method counts as verified.
 */
export async function startFlowFromLink(deps: PasswordDeps, token: string, ip: string | null): Promise<string> {
  const now = deps.clock.now();
  const secret = await findLiveSecretByHash(deps.db, linkTokenHash(token), 'reset_link', now);
  if (!secret || !(await consumeSecret(deps.db, secret.id, now))) {
    throw new HttpError(410, 'flow_expired', 'This link has expired or was already used. Ask the help desk for a new one, or start again.');
  }
  const flowId = randomToken(32);
  await insertFlow(deps.db, {
    id_hash: sha256Hex(flowId),
    username: secret.username,
    created_at: now,
    expires_at: now + TTL.flow,
    verified_methods: 'email',
    ip,
  });
  await deps.audit.record({ action: 'password.link_opened', actor: null, subject: secret.username, result: 'success', ip });
  return flowId;
}
