import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { errors } from '../errors.js';
import type { Clock } from '../platform/clock.js';
import { clearRateLimit, hitRateLimit, refundRateLimit } from './repository.js';

export interface RateLimitRule {
  /** Namespace of the counter, e.g. `login:ip`. */
  name: string;
  limit: number;
  windowMs: number;
}

/**
 * Rate limits kept in the database so that every API process shares one count.
 * `consume` counts first and refuses past the limit, which keeps the limit exact under concurrency.
 */
export class RateLimiter {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  /** Counts one attempt; throws `rate_limited` with the seconds until the window ends when over the limit. */
  async consume(rule: RateLimitRule, subject: string): Promise<void> {
    const now = this.clock.now();
    const { count, windowStart } = await hitRateLimit(this.db, keyOf(rule, subject), rule.windowMs, now);
    if (count > rule.limit) throw errors.rateLimited((windowStart + rule.windowMs - now) / 1000);
  }

  refund(rule: RateLimitRule, subject: string): Promise<void> {
    return refundRateLimit(this.db, keyOf(rule, subject));
  }

  reset(rule: RateLimitRule, subject: string): Promise<void> {
    return clearRateLimit(this.db, keyOf(rule, subject));
  }
}

function keyOf(rule: RateLimitRule, subject: string): string {
  // Subjects are user input (usernames): normalise case and bound the length so keys stay small.
  return `${rule.name}:${subject.toLowerCase().slice(0, 300)}`;
}
