import { type FlowView, VERIFICATION_METHODS, type VerificationMethod, type VerifyRequest } from '../../../shared/password.js';
import type { DirectoryUser } from '../../directory/port.js';
import { errors } from '../../errors.js';
import { sendMailLater } from '../../mail/outbox.js';
import { verificationCodeMail } from '../../mail/templates.js';
import { randomToken, sha256Hex } from '../../platform/secrets.js';
import type { RateLimitRule } from '../../rate-limit/limiter.js';
import { findUsernamesByRecoveryEmail } from '../recovery/repository.js';
import { verifyPasskeyAssertion, passkeyAuthenticationOptions } from '../recovery/passkeys.js';
import { verifyTotpCode } from '../recovery/totp.js';
import { getResetPolicy } from '../settings/service.js';
import { addressesOf } from './addresses.js';
import type { PasswordDeps } from './deps.js';
import { effectiveRules } from './policy.js';
import { issueCode, TTL, verifyCode } from '../../one-time-secrets/service.js';
import {
  chargeFlowAttempt,
  chargeRecoveryFailure,
  clearRecoveryFailures,
  consecutiveFailures,
  type FlowRow,
  findFlow,
  insertFlow,
  refundFlowAttempt,
  setFlowOnBehalfOf,
  setFlowVerifiedMethods,
} from './repository.js';

export const FORGOT_IP_RULE: RateLimitRule = { name: 'forgot:ip', limit: 30, windowMs: 15 * 60_000 };
export const FORGOT_LOGIN_RULE: RateLimitRule = { name: 'forgot:login', limit: 5, windowMs: 15 * 60_000 };
/** Code mails per person per hour, across flows: nobody can flood a mailbox through us. */
export const CODE_MAIL_ACCOUNT_RULE: RateLimitRule = { name: 'code-mail:account', limit: 5, windowMs: 60 * 60_000 };
export const CODE_MAIL_FLOW_RULE: RateLimitRule = { name: 'code-mail:flow', limit: 3, windowMs: 15 * 60_000 };
export const VERIFY_IP_RULE: RateLimitRule = { name: 'verify:ip', limit: 60, windowMs: 15 * 60_000 };
/** Passkey options per flow and per address: each one writes a challenge, so they are limited like mailed codes. */
export const PASSKEY_CHALLENGE_FLOW_RULE: RateLimitRule = { name: 'passkey-challenge:flow', limit: 10, windowMs: 15 * 60_000 };
export const PASSKEY_CHALLENGE_IP_RULE: RateLimitRule = { name: 'passkey-challenge:ip', limit: 30, windowMs: 15 * 60_000 };
/** Failed verifications in one flow; after that its verify answers 429 until it expires. */
export const FLOW_MAX_FAILURES = 10;
/**
 * Consecutive failed verifications of one person from one client address (across flows) that stop
 * resets from that address until a success or the help desk. Counted per address, so somebody
 * guessing elsewhere cannot lock the person out of self-service on their own network.
 */
export const RECOVERY_LOCKOUT_FAILURES = 100;
/** The per-person backstop across all addresses (a guesser with many addresses). */
export const RECOVERY_BACKSTOP_FAILURES = 1000;
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
  /** Whose flow it is; null when the login named nobody (or a disabled account). */
  username: string | null;
  /**
   * The person as the directory has them now, read only when asked for (`loadFlow(…, { person: true })`,
   * the steps that need them: completion and the personal password check), else null. The other
   * steps ask the directory nothing, so they cost the same for everyone.
   */
  user: DirectoryUser | null;
  methods: VerificationMethod[];
  required: number;
  verified: VerificationMethod[];
}

/**
 * Who a login names: a username, a work address, or a confirmed recovery address. Null when nobody
 * (or several). Every look-up runs whether or not an earlier one found someone, and none reads
 * groups or the manager, so an existing person costs the same directory queries as a missing one.
 */
async function resolveLogin(deps: PasswordDeps, login: string): Promise<DirectoryUser | null> {
  const byName = await deps.directory.findUser(login, { brief: true });
  if (!login.includes('@')) return byName;
  const byWorkMail = await deps.directory.findUserByEmail(login, { brief: true });
  const usernames = await findUsernamesByRecoveryEmail(deps.db, login);
  // Looked up even when the recovery address names nobody (then for a name nobody has), for the same reason.
  const byRecoveryMail = await deps.directory.findUser(usernames.length === 1 ? usernames[0]! : nobodyKey(deps, login), { brief: true });
  return byName ?? byWorkMail ?? (usernames.length === 1 ? byRecoveryMail : null);
}

/**
 * The stand-in for a login that named nobody: a keyed hash of it, so it can key that login's limits,
 * codes and challenges exactly like a person's without storing what was typed (people type
 * passwords into login fields). Not a name anyone can have: it needs the portal secret to make.
 */
function nobodyKey(deps: PasswordDeps, login: string): string {
  return `nobody:${deps.keys.mac('oneTimeSecrets', `flow-subject\u0000${login.trim().toLowerCase()}`)}`;
}

/** The key a flow's per-person limits, codes and challenges are kept under (see nobodyKey). */
export function subjectOf(flow: Pick<LoadedFlow, 'row' | 'idHash'>): string {
  return flow.row.subject_key ?? flow.row.username ?? `nobody:${flow.idHash}`;
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
  await insertFlow(deps.db, {
    id_hash: sha256Hex(flowId),
    username,
    subject_key: username ?? nobodyKey(deps, login),
    created_at: now,
    expires_at: now + FLOW_TTL_MS,
    ip,
  });
  await deps.audit.record({
    action: 'password.forgot',
    actor: null,
    subject: username ?? login.slice(0, 256),
    result: username ? 'success' : 'failure',
    ip,
  });
  return flowId;
}

/**
 * The verification methods a flow offers: the same list for everyone, whatever they have set up,
 * so the list never tells who exists or how they are enrolled. A method the person has not set up
 * fails at verify exactly like a wrong code. The email method is left out for everyone when mail
 * cannot be delivered (no SMTP outside demo mode).
 */
export function offeredMethods(deps: Pick<PasswordDeps, 'mailDelivers'>): VerificationMethod[] {
  return VERIFICATION_METHODS.filter((m) => m !== 'email' || deps.mailDelivers !== false);
}

/**
 * The flow's person from the directory. A flow of nobody looks up its stand-in (found by no one), so
 * it costs the same query. (A person's subject is their username.)
 */
async function lookUpPerson(deps: PasswordDeps, row: FlowRow, idHash: string): Promise<DirectoryUser | null> {
  const found = await deps.directory.findUser(row.username ?? subjectOf({ row, idHash }), { brief: true });
  return row.username ? found : null;
}

/** Loads a live flow or answers 410; with `person`, also reads the flow's person from the directory. */
export async function loadFlow(deps: PasswordDeps, flowId: string, options: { person?: boolean } = {}): Promise<LoadedFlow> {
  const idHash = sha256Hex(flowId);
  const row = await findFlow(deps.db, idHash);
  const now = deps.clock.now();
  if (!row || row.completed_at !== null || row.cancelled_at !== null || row.expires_at <= now) throw flowExpired();
  const user = options.person ? await lookUpPerson(deps, row, idHash) : null;
  const methods = offeredMethods(deps);
  const policy = await getResetPolicy(deps.db);
  const verified = row.verified_methods.split(' ').filter((m): m is VerificationMethod => methods.includes(m as VerificationMethod));
  return { row, idHash, username: row.username, user, methods, required: Math.min(policy.requiredMethods, methods.length), verified };
}

export function isComplete(flow: LoadedFlow): boolean {
  return flow.username !== null && flow.verified.length >= flow.required;
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

/** Where this flow's codes go; a flow of nobody asks the same question of its stand-in and gets no address. */
async function codeAddresses(deps: PasswordDeps, flow: LoadedFlow): Promise<string[]> {
  const person: DirectoryUser = (flow.user ?? (await lookUpPerson(deps, flow.row, flow.idHash))) ?? {
    username: subjectOf(flow),
    displayName: '',
    givenName: null,
    familyName: null,
    email: '',
    department: null,
    title: null,
    manager: null,
    employeeNumber: null,
    groups: [],
    groupDns: [],
    disabled: false,
    locked: false,
  };
  return (await addressesOf(deps.db, person, await getResetPolicy(deps.db))).forCodes;
}

/**
 * Sends what a method needs: a mailed code, or passkey options. Other methods need nothing sent.
 * Everyone, existing or not, enrolled or not, gets the same answer and the same limits: a code
 * is issued (under the stand-in for nobody) whether or not there is an address to mail it to.
 */
export async function challenge(
  deps: PasswordDeps,
  flow: LoadedFlow,
  method: VerificationMethod,
  ip: string | null,
): Promise<{ sent: boolean; passkeyOptions?: unknown }> {
  if (!flow.methods.includes(method)) throw errors.methodNotAvailable();
  const subject = subjectOf(flow);
  if (method === 'passkey') {
    await deps.rateLimiter.consume(PASSKEY_CHALLENGE_FLOW_RULE, flow.idHash);
    await deps.rateLimiter.consume(PASSKEY_CHALLENGE_IP_RULE, ip ?? 'unknown');
    return { sent: true, passkeyOptions: await passkeyAuthenticationOptions(deps, subject, flow.idHash) };
  }
  if (method !== 'email') return { sent: false };
  await deps.rateLimiter.consume(CODE_MAIL_FLOW_RULE, flow.idHash);
  // Counted for the flow's subject whether or not it is a person, so the limit answers alike.
  await deps.rateLimiter.consume(CODE_MAIL_ACCOUNT_RULE, subject);
  const forCodes = await codeAddresses(deps, flow);
  const now = deps.clock.now();
  // The code and its mail commit together: a code nobody was sent, or a mail with a dead code, cannot happen.
  await deps.db.transaction().execute(async (trx) => {
    const { secret: code } = await issueCode({ ...deps, db: trx }, { purpose: 'email_code', username: subject, flowIdHash: flow.idHash });
    for (const to of forCodes) await sendMailLater(trx, deps.keys, now, verificationCodeMail(to, code, TTL.email_code / 60_000, deps.companyName));
  });
  await deps.audit.record({
    action: 'password.code_sent',
    actor: null,
    subject: flow.username,
    result: forCodes.length ? 'success' : 'failure',
    details: { recipients: forCodes.length },
  });
  return { sent: true };
}

/** A verify that was not judged because a limit was reached: until the flow ends, it will not be. */
function attemptsUsedUp(flow: LoadedFlow, now: number) {
  return errors.rateLimited(Math.max(1, (flow.row.expires_at - now) / 1000));
}

/**
 * Verifies one method. Every limit is counted BEFORE the guess is judged, each in one atomic
 * statement (the flow's attempts, the person's consecutive failures from this address and in
 * total, the code's guesses), so a parallel burst gets no more guesses than the limits allow;
 * what is over a limit is answered without being judged. A success clears the person's counts and
 * gives the flow its attempt back. Existing and missing people, enrolled or not, go through the
 * same steps (a flow of nobody is judged against its stand-in, which never succeeds).
 */
export async function verify(deps: PasswordDeps, flow: LoadedFlow, input: VerifyRequest, ip: string | null): Promise<LoadedFlow> {
  await deps.rateLimiter.consume(VERIFY_IP_RULE, ip ?? 'unknown');
  if (!flow.methods.includes(input.method)) throw errors.methodNotAvailable();
  const now = deps.clock.now();
  const subject = subjectOf(flow);
  if (!(await chargeFlowAttempt(deps.db, flow.idHash, FLOW_MAX_FAILURES, now))) throw attemptsUsedUp(flow, now);
  if (
    !(await chargeRecoveryFailure(deps.db, subject, ip ?? 'unknown', RECOVERY_LOCKOUT_FAILURES, now)) ||
    !(await chargeRecoveryFailure(deps.db, subject, '*', RECOVERY_BACKSTOP_FAILURES, now))
  ) {
    throw errors.recoveryLocked();
  }

  let judged = false;
  let onBehalfOf: string | null = null;
  if (input.method === 'email' || input.method === 'helpdesk_code') {
    const purpose = input.method === 'email' ? 'email_code' : 'helpdesk_code';
    // Email codes belong to this flow; help-desk codes to the person, whichever flow they start.
    const flowIdHash = input.method === 'email' ? flow.idHash : undefined;
    const match = await verifyCode(deps, { purpose, username: subject, code: input.code, flowIdHash });
    if (match.exhausted) throw attemptsUsedUp(flow, now);
    judged = match.ok;
    onBehalfOf = match.issuedBy;
  } else if (input.method === 'totp') judged = await verifyTotpCode(deps, subject, input.code);
  else judged = await verifyPasskeyAssertion(deps, subject, flow.idHash, input.assertion);
  // Nobody's stand-in has no factors; this only guards against a 1-in-10^8 guess of its code.
  const ok = judged && flow.username !== null;

  const username = flow.username;
  if (!ok) {
    await deps.audit.record({ action: 'password.verify', actor: null, subject: username, result: 'failure', ip, details: { method: input.method } });
    throw verificationFailed();
  }
  await clearRecoveryFailures(deps.db, subject);
  await refundFlowAttempt(deps.db, flow.idHash);
  const verified = [...new Set([...flow.verified, input.method])];
  await setFlowVerifiedMethods(deps.db, flow.idHash, verified.join(' '));
  // The staff member who vouched for the caller is named on the flow, so the reset's audit row says so.
  if (onBehalfOf) await setFlowOnBehalfOf(deps.db, flow.idHash, onBehalfOf);
  await deps.audit.record({
    action: 'password.verify',
    actor: null,
    subject: username,
    result: 'success',
    ip,
    details: onBehalfOf ? { method: input.method, onBehalfOf } : { method: input.method },
  });
  return { ...flow, row: onBehalfOf ? { ...flow.row, on_behalf_of: onBehalfOf } : flow.row, verified };
}

/**
 * Whether resets of this flow's person are locked for a request from `ip`: the consecutive
 * failures from that address, or in total, reached their limit.
 */
export async function recoveryLockedFor(deps: PasswordDeps, flow: LoadedFlow, ip: string | null): Promise<boolean> {
  const subject = subjectOf(flow);
  return (
    (await consecutiveFailures(deps.db, subject, ip ?? 'unknown')) >= RECOVERY_LOCKOUT_FAILURES ||
    (await consecutiveFailures(deps.db, subject, '*')) >= RECOVERY_BACKSTOP_FAILURES
  );
}
