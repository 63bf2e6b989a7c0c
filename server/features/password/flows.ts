import type { FlowView, VerificationMethod, VerifyRequest } from '../../../shared/password.js';
import type { DirectoryUser } from '../../directory/port.js';
import { errors } from '../../errors.js';
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
import { issueCode, TTL, verifyCode } from '../../one-time-secrets/service.js';
import {
  clearRecoveryFailures,
  consecutiveFailures,
  countFlowFailure,
  cancelFlow,
  type FlowRow,
  findFlow,
  insertFlow,
  recordRecoveryFailure,
  setFlowOnBehalfOf,
  setFlowVerifiedMethods,
} from './repository.js';

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
/**
 * How long a reset flow lives. Flow ids (like session ids) are stored as plain SHA-256, not keyed:
 * they are 256 random bits, so a stolen hash cannot be searched back to the id.
 */
export const FLOW_TTL_MS = 30 * 60_000;

const verificationFailed = () => errors.verificationFailed();
const flowExpired = () => errors.flowExpired();

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
  await insertFlow(deps.db, { id_hash: sha256Hex(flowId), username, created_at: now, expires_at: now + FLOW_TTL_MS, ip });
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
  if (!flow.methods.includes(method)) throw errors.methodNotAvailable();
  if (method === 'passkey') {
    if (!flow.user) throw verificationFailed();
    return { sent: true, passkeyOptions: await passkeyAuthenticationOptions(deps, flow.user.username, flow.idHash) };
  }
  if (method !== 'email') return { sent: false };
  await deps.rateLimiter.consume(CODE_MAIL_FLOW_RULE, flow.idHash);
  if (!flow.user) return { sent: true }; // nobody to mail; answered like a real send
  await deps.rateLimiter.consume(CODE_MAIL_ACCOUNT_RULE, flow.user.username);
  const { forCodes } = await addressesOf(deps.db, flow.user, await getResetPolicy(deps.db));
  const now = deps.clock.now();
  const user = flow.user;
  // The code and its mail commit together: a code nobody was sent, or a mail with a dead code, cannot happen.
  await deps.db.transaction().execute(async (trx) => {
    const { secret: code } = await issueCode({ ...deps, db: trx }, { purpose: 'email_code', username: user.username, flowIdHash: flow.idHash });
    for (const to of forCodes) await sendMailLater(trx, deps.keys, now, verificationCodeMail(to, code, TTL.email_code / 60_000, deps.companyName));
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

/** Verifies one method. Failures count toward the flow's and the person's limits; a success resets the person's count. */
export async function verify(deps: PasswordDeps, flow: LoadedFlow, input: VerifyRequest, ip: string | null): Promise<LoadedFlow> {
  await deps.rateLimiter.consume(VERIFY_IP_RULE, ip ?? 'unknown');
  if (!flow.methods.includes(input.method)) throw errors.methodNotAvailable();
  const username = flow.user?.username ?? null;
  if (username && (await consecutiveFailures(deps.db, username)) >= RECOVERY_LOCKOUT_FAILURES) {
    throw errors.recoveryLocked();
  }

  let ok = false;
  let onBehalfOf: string | null = null;
  if (username) {
    if (input.method === 'email')
      ok = (await verifyCode(deps, { purpose: 'email_code', username, code: input.code, flowIdHash: flow.idHash })).ok;
    else if (input.method === 'helpdesk_code') {
      const match = await verifyCode(deps, { purpose: 'helpdesk_code', username, code: input.code });
      ok = match.ok;
      onBehalfOf = match.issuedBy;
    } else if (input.method === 'totp') ok = await verifyTotpCode(deps, username, input.code);
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
  // The staff member who vouched for the caller is named on the flow, so the reset's audit row says so.
  if (onBehalfOf) await setFlowOnBehalfOf(deps.db, flow.idHash, onBehalfOf);
  await deps.audit.record({
    action: 'password.verify',
    actor: null,
    subject,
    result: 'success',
    ip,
    details: onBehalfOf ? { method: input.method, onBehalfOf } : { method: input.method },
  });
  return { ...flow, row: onBehalfOf ? { ...flow.row, on_behalf_of: onBehalfOf } : flow.row, verified };
}
