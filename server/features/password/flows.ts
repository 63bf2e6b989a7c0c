import type { FlowView, VerificationMethod, VerifyRequest } from '../../../shared/password.js';
import type { DirectoryUser } from '../../directory/port.js';
import { HttpError } from '../../http/errors.js';
import { sendMailLater } from '../../mail/outbox.js';
import { verificationCodeMail } from '../../mail/templates.js';
import { randomToken, sha256Hex } from '../../platform/secrets.js';
import type { RateLimitRule } from '../../rate-limit/limiter.js';
import { findUsernamesByRecoveryEmail, findTotp, listPasskeys } from '../recovery/repository.js';
import { verifyPasskeyAssertion, passkeyAuthenticationOptions } from '../recovery/passkeys.js';
import { verifyTotpCode } from '../recovery/totp.js';
import { getResetPolicy } from '../settings/service.js';
import { addressesOf } from './addresses.js';
import type { PasswordDeps } from './deps.js';
import { effectiveRules } from './policy.js';
import {
  clearRecoveryFailures,
  consecutiveFailures,
  consumeSecret,
  countFlowFailure,
  countSecretAttempt,
  cancelFlow,
  type FlowRow,
  findFlow,
  findLiveSecrets,
  insertFlow,
  insertSecret,
  recordRecoveryFailure,
  setFlowVerifiedMethods,
} from './repository.js';
import { newNumericCode, secretHash, TTL } from './secrets.js';

export const FORGOT_IP_RULE: RateLimitRule = { name: 'forgot:ip', limit: 30, windowMs: 15 * 60_000 };
export const FORGOT_LOGIN_RULE: RateLimitRule = { name: 'forgot:login', limit: 5, windowMs: 15 * 60_000 };
/** Code mails per person per hour, across flows: nobody can flood a mailbox through us. */
export const CODE_MAIL_ACCOUNT_RULE: RateLimitRule = { name: 'code-mail:account', limit: 5, windowMs: 60 * 60_000 };
export const CODE_MAIL_FLOW_RULE: RateLimitRule = { name: 'code-mail:flow', limit: 3, windowMs: 15 * 60_000 };
export const VERIFY_IP_RULE: RateLimitRule = { name: 'verify:ip', limit: 60, windowMs: 15 * 60_000 };
/** Failed verifications in one flow before it is cancelled. */
export const FLOW_MAX_FAILURES = 10;
/** Consecutive failed verifications of one person (across flows) that stop resets until a success or the help desk. */
export const RECOVERY_LOCKOUT_FAILURES = 100;
/** Wrong guesses one code survives. */
const CODE_MAX_ATTEMPTS = 5;

const verificationFailed = () =>
  new HttpError(400, 'verification_failed', 'That did not work. Check the code and try again, or choose another way.');
const flowExpired = () => new HttpError(410, 'flow_expired', 'This reset has expired or was already used. Start again.');

export interface LoadedFlow {
  row: FlowRow;
  idHash: string;
  user: DirectoryUser | null;
  methods: VerificationMethod[];
  required: number;
  verified: VerificationMethod[];
}

/** Who a login names: a username, a work address, or a confirmed recovery address. Null when nobody (or several). */
async function resolveLogin(deps: PasswordDeps, login: string): Promise<DirectoryUser | null> {
  const byName = await deps.directory.findUser(login);
  if (byName) return byName;
  if (!login.includes('@')) return null;
  const byWorkMail = await deps.directory.findUserByEmail(login);
  if (byWorkMail) return byWorkMail;
  const usernames = await findUsernamesByRecoveryEmail(deps.db, login);
  return usernames.length === 1 ? deps.directory.findUser(usernames[0]!) : null;
}

/**
 * Starts a reset or unlock. The answer is the same for every login, existing or not, locked or
 * disabled: a new flow id. Nothing about the account changes and no mail is sent yet.
 */
export async function startFlow(deps: PasswordDeps, login: string, ip: string | null): Promise<string> {
  await deps.rateLimiter.consume(FORGOT_IP_RULE, ip ?? 'unknown');
  await deps.rateLimiter.consume(FORGOT_LOGIN_RULE, login);
  const user = await resolveLogin(deps, login);
  const username = user && !user.disabled ? user.username : null;
  const flowId = randomToken(32);
  const now = deps.clock.now();
  await insertFlow(deps.db, { id_hash: sha256Hex(flowId), username, created_at: now, expires_at: now + TTL.flow, ip });
  await deps.audit.record({
    action: 'password.forgot',
    actor: null,
    subject: username ?? login.slice(0, 256),
    result: username ? 'success' : 'failure',
    ip,
  });
  return flowId;
}

/** The verification methods a person has ready. Unknown people get the most common set, so a flow never tells who exists. */
async function methodsFor(deps: PasswordDeps, user: DirectoryUser | null): Promise<VerificationMethod[]> {
  if (!user) return ['email', 'helpdesk_code'];
  const policy = await getResetPolicy(deps.db);
  const methods: VerificationMethod[] = [];
  if ((await addressesOf(deps.db, user, policy)).forCodes.length) methods.push('email');
  if ((await findTotp(deps.db, user.username))?.confirmed_at != null) methods.push('totp');
  if ((await listPasskeys(deps.db, user.username)).length) methods.push('passkey');
  methods.push('helpdesk_code');
  return methods;
}

/** Loads a live flow or answers 410. */
export async function loadFlow(deps: PasswordDeps, flowId: string): Promise<LoadedFlow> {
  const idHash = sha256Hex(flowId);
  const row = await findFlow(deps.db, idHash);
  const now = deps.clock.now();
  if (!row || row.completed_at !== null || row.cancelled_at !== null || row.expires_at <= now) throw flowExpired();
  const user = row.username ? await deps.directory.findUser(row.username) : null;
  const methods = await methodsFor(deps, user);
  const policy = await getResetPolicy(deps.db);
  const verified = row.verified_methods.split(' ').filter((m): m is VerificationMethod => methods.includes(m as VerificationMethod));
  return { row, idHash, user, methods, required: Math.min(policy.requiredMethods, methods.length), verified };
}

export function isComplete(flow: LoadedFlow): boolean {
  return flow.user !== null && flow.verified.length >= flow.required;
}

export async function viewFlow(deps: PasswordDeps, flow: LoadedFlow): Promise<FlowView> {
  const rules = effectiveRules(await deps.directory.passwordPolicy());
  return {
    methods: flow.methods,
    required: flow.required,
    verified: flow.verified,
    // An unknown person's flow never completes, but says so only by never accepting a code.
    complete: isComplete(flow),
    rules,
    expiresAt: new Date(flow.row.expires_at).toISOString(),
  };
}

/** Sends what a method needs: a mailed code, or passkey options. Other methods need nothing sent. */
export async function challenge(
  deps: PasswordDeps,
  flow: LoadedFlow,
  method: VerificationMethod,
): Promise<{ sent: boolean; passkeyOptions?: unknown }> {
  if (!flow.methods.includes(method))
    throw new HttpError(400, 'method_not_available', 'That way of proving who you are is not set up for this account.');
  if (method === 'passkey') {
    if (!flow.user) throw verificationFailed();
    return { sent: true, passkeyOptions: await passkeyAuthenticationOptions(deps, flow.user.username, flow.idHash) };
  }
  if (method !== 'email') return { sent: false };
  await deps.rateLimiter.consume(CODE_MAIL_FLOW_RULE, flow.idHash);
  if (!flow.user) return { sent: true }; // nobody to mail; answered like a real send
  await deps.rateLimiter.consume(CODE_MAIL_ACCOUNT_RULE, flow.user.username);
  const { forCodes } = await addressesOf(deps.db, flow.user, await getResetPolicy(deps.db));
  const code = newNumericCode();
  const now = deps.clock.now();
  const user = flow.user;
  // The code and its mail commit together: a code nobody was sent, or a mail with a dead code, cannot happen.
  await deps.db.transaction().execute(async (trx) => {
    await insertSecret(trx, {
      secretHash: secretHash(code, user.username, 'email_code'),
      username: user.username,
      purpose: 'email_code',
      flowIdHash: flow.idHash,
      now,
      ttlMs: TTL.emailCode,
    });
    for (const to of forCodes) await sendMailLater(trx, now, verificationCodeMail(to, code, TTL.emailCode / 60_000, deps.companyName));
  });
  await deps.audit.record({
    action: 'password.code_sent',
    actor: null,
    subject: flow.user.username,
    result: 'success',
    details: { recipients: forCodes.length },
  });
  return { sent: true };
}

/** Checks a typed code against the live secrets of one purpose; consumes the match atomically. */
async function matchCode(
  deps: PasswordDeps,
  username: string,
  purpose: 'email_code' | 'helpdesk_code',
  code: string,
  flowIdHash?: string,
): Promise<boolean> {
  const now = deps.clock.now();
  const wanted = secretHash(code, username, purpose);
  const live = await findLiveSecrets(deps.db, username, purpose, now, flowIdHash);
  for (const secret of live) {
    if (secret.attempts >= CODE_MAX_ATTEMPTS) continue;
    if (secret.secret_hash === wanted) return consumeSecret(deps.db, secret.id, now);
  }
  // A wrong guess wears down the newest code, so each code survives only a few guesses.
  if (live[0]) await countSecretAttempt(deps.db, live[0].id);
  return false;
}

/** Verifies one method. Failures count toward the flow's and the person's limits; a success resets the person's count. */
export async function verify(deps: PasswordDeps, flow: LoadedFlow, input: VerifyRequest, ip: string | null): Promise<LoadedFlow> {
  await deps.rateLimiter.consume(VERIFY_IP_RULE, ip ?? 'unknown');
  if (!flow.methods.includes(input.method))
    throw new HttpError(400, 'method_not_available', 'That way of proving who you are is not set up for this account.');
  const username = flow.user?.username ?? null;
  if (username && (await consecutiveFailures(deps.db, username)) >= RECOVERY_LOCKOUT_FAILURES) {
    throw new HttpError(423, 'recovery_locked', 'Too many failed attempts. Contact the IT help desk to get back in.');
  }

  let ok = false;
  if (username) {
    if (input.method === 'email') ok = await matchCode(deps, username, 'email_code', input.code, flow.idHash);
    else if (input.method === 'helpdesk_code') ok = await matchCode(deps, username, 'helpdesk_code', input.code);
    else if (input.method === 'totp') ok = await verifyTotpCode(deps, username, input.code);
    else ok = await verifyPasskeyAssertion(deps, username, flow.idHash, input.assertion);
  }

  const subject = username ?? null;
  if (!ok) {
    const failures = await countFlowFailure(deps.db, flow.idHash);
    if (username) await recordRecoveryFailure(deps.db, username, deps.clock.now());
    if (failures >= FLOW_MAX_FAILURES) await cancelFlow(deps.db, flow.idHash, deps.clock.now());
    await deps.audit.record({ action: 'password.verify', actor: null, subject, result: 'failure', ip, details: { method: input.method } });
    throw verificationFailed();
  }
  await clearRecoveryFailures(deps.db, username!);
  const verified = [...new Set([...flow.verified, input.method])];
  await setFlowVerifiedMethods(deps.db, flow.idHash, verified.join(' '));
  await deps.audit.record({ action: 'password.verify', actor: null, subject, result: 'success', ip, details: { method: input.method } });
  return { ...flow, verified };
}
