import { createHash } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { Executor } from '../db/transaction.js';
import { errors } from '../errors.js';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  findIdempotencyKey,
  type IdempotencyRow,
  releaseIdempotencyKey,
} from '../idempotency/repository.js';
import type { AppDeps, AppEnv } from './context.js';
import { currentSession } from './session.js';

/**
 * `Idempotency-Key` for writes a client may send more than once: the web app's offline outbox
 * resends a write whose answer it never got (the network dropped it, the tab was closed), and the
 * write must still happen exactly once.
 *
 * Rules (README, API):
 * - The header is required: 8–128 characters of `A–Z a–z 0–9 - _` (a UUID fits), else
 *   `400 idempotency_key_required`. Keys belong to the signed-in person: two people never share
 *   one, and nobody can read another's stored answer by guessing their key.
 * - The request's fingerprint is SHA-256 of the method, the request path (the concrete one, so a
 *   key used for a decision on request 1 is not replayed for request 2) and the body as canonical
 *   JSON (object keys sorted, so key order does not matter).
 * - One atomic claim (INSERT … ON CONFLICT DO NOTHING on (person, key)) decides which request runs
 *   the handler. A duplicate that arrives while the first still runs waits for it (polling the row,
 *   up to `waitMs`) and then gets its answer; if the first takes longer, `409
 *   idempotency_in_progress` (retry later). A later duplicate gets the stored status and body, with
 *   `Idempotent-Replayed: true`. The same key with another fingerprint is `422
 *   idempotency_key_reused`, whatever state the first is in.
 * - A handler that throws (or answers 5xx) releases the claim: nothing it did was committed (its
 *   transaction rolled back), so a retry runs it again. Any other answer, 4xx included, is stored.
 * - Keys are forgotten after 24 hours (housekeeping); a key sent again after that is a new request.
 *
 * Guarantee: the handler runs at most once per (person, key) while the key is remembered. Its
 * answer is stored after it returns, in a second statement; a process that dies between the
 * handler's commit and that statement leaves the claim running, so retries get 409 until the key
 * expires (never a second run within the day). A handler can close that window by storing its
 * answer in its own transaction with `recordIdempotentAnswer(trx, c, status, body)`: the change
 * and the answer then commit or roll back together.
 */

/** What a key may look like: enough to be unguessable by accident, short enough to index. */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_-]{8,128}$/;
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
export { IDEMPOTENCY_TTL_MS } from '../idempotency/repository.js';

export interface IdempotencyOptions {
  /** How long a duplicate waits for the first request to finish before answering 409 (default 5 s). */
  waitMs?: number;
}

/** The claim a request holds while its handler runs, for recordIdempotentAnswer. */
interface Claim {
  username: string;
  key: string;
  /** The status recordIdempotentAnswer stored with the handler's change, if it did. */
  recordedStatus?: number;
}
const claims = new WeakMap<Request, Claim>();

/** JSON with object keys sorted at every level: equal values give equal text whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** SHA-256 (hex) of method, path and canonical body; a body that is not JSON counts as its raw text. */
export function requestFingerprint(method: string, path: string, bodyText: string): string {
  let canonical: string;
  try {
    canonical = bodyText.trim() === '' ? '' : canonicalJson(JSON.parse(bodyText));
  } catch {
    canonical = bodyText;
  }
  return createHash('sha256').update(`${method.toUpperCase()}\n${path}\n${canonical}`, 'utf8').digest('hex');
}

function replay(row: IdempotencyRow): Response {
  const status = row.status ?? 200;
  const body = status === 204 || status === 205 || status === 304 || !row.response ? null : row.response;
  const headers: Record<string, string> = { 'Idempotent-Replayed': 'true', 'Cache-Control': 'no-store' };
  if (body !== null) headers['Content-Type'] = 'application/json; charset=UTF-8';
  return new Response(body, { status, headers });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Middleware for a POST route that must run once per Idempotency-Key. Mount it after the session
 * middleware and the route's guard, before validation:
 * `.post('/requests', requireSignIn(), idempotent(deps), validate('json', schema), handler)`.
 */
export function idempotent(deps: Pick<AppDeps, 'db' | 'clock'>, options: IdempotencyOptions = {}): MiddlewareHandler<AppEnv> {
  const waitMs = options.waitMs ?? 5000;
  return async (c, next) => {
    const { username } = currentSession(c);
    const key = c.req.header(IDEMPOTENCY_HEADER);
    if (!key || !IDEMPOTENCY_KEY_PATTERN.test(key)) throw errors.idempotencyKeyRequired();
    const fingerprint = requestFingerprint(c.req.method, c.req.path, await c.req.text());

    const deadline = Date.now() + waitMs;
    let delay = 10;
    let claimed = await claimIdempotencyKey(deps.db, username, key, fingerprint, deps.clock.now());
    while (!claimed) {
      const row = await findIdempotencyKey(deps.db, username, key);
      if (!row) {
        // The first request failed and released its claim between our insert and this read: try again.
        claimed = await claimIdempotencyKey(deps.db, username, key, fingerprint, deps.clock.now());
        continue;
      }
      if (row.fingerprint !== fingerprint) throw errors.idempotencyKeyReused();
      if (row.state === 'done') {
        c.res = replay(row);
        return;
      }
      if (Date.now() >= deadline) throw errors.idempotencyInProgress();
      await sleep(delay);
      delay = Math.min(delay * 2, 200);
    }

    const claim: Claim = { username, key };
    claims.set(c.req.raw, claim);
    try {
      await next();
    } catch (error) {
      // Only without an error handler up the chain (Hono's compose otherwise sets c.error instead).
      await releaseIdempotencyKey(deps.db, username, key);
      throw error;
    }
    if (c.error || c.res.status >= 500) {
      await releaseIdempotencyKey(deps.db, username, key);
      return;
    }
    // Stored with the handler's change already (the answer it returned is the one it recorded: a
    // recording whose transaction rolled back ends in a thrown error or another status). Cloning
    // the answer to store it again was a tenth of a created request's HTTP work.
    if (claim.recordedStatus === c.res.status) return;
    await completeIdempotencyKey(deps.db, username, key, c.res.status, await c.res.clone().text(), deps.clock.now());
  };
}

/**
 * Stores the answer inside the handler's own transaction (optional, see the guarantee above): call
 * it with the status and JSON body the handler is about to return. Outside an idempotent route it
 * does nothing.
 */
export async function recordIdempotentAnswer(trx: Executor, c: Context, status: number, body: unknown, now: number): Promise<void> {
  const claim = claims.get(c.req.raw);
  if (!claim) return;
  await completeIdempotencyKey(trx, claim.username, claim.key, status, body === null || body === undefined ? '' : JSON.stringify(body), now);
  claim.recordedStatus = status;
}
