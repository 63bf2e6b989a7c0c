/**
 * The portal's HTTP app on an existing database for the knowledge-base benchmark: composed like
 * production (sessions, middleware, the real search), with one change: the per-person search
 * rate limit is off, because the load generator is one person sending hundreds of requests a
 * second. (Its cost, one counter upsert a request, is measured by the /api/me bench.)
 */
import { composeApp } from '../../server/composition.js';
import { loadConfig } from '../../server/config.js';
import type { RateLimiter } from '../../server/rate-limit/limiter.js';
import { startServer } from '../../server/serve.js';

const deps = await composeApp(loadConfig());
const original = deps.rateLimiter;
deps.rateLimiter = {
  consume: async (rule, subject) => (rule.name.startsWith('kb-') ? undefined : original.consume(rule, subject)),
  refund: (rule, subject) => original.refund(rule, subject),
  reset: (rule, subject) => original.reset(rule, subject),
} as RateLimiter;
const server = await startServer(deps);
// A clean exit on SIGTERM (the bench stops the server so), so a CPU profile asked for is written.
process.on('SIGTERM', () => void server.close().then(() => process.exit(0), () => process.exit(1)));
