import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { can } from '../../../shared/permissions.js';
import {
  kbAnalyticsQuerySchema,
  kbArticleInputSchema,
  kbExportQuerySchema,
  kbFeedbackInputSchema,
  kbIdParamSchema,
  kbListQuerySchema,
  kbSearchQuerySchema,
  kbSlugParamSchema,
  kbSuggestQuerySchema,
  kbVersionParamSchema,
  type KbPublicAnswer,
  type KbSearchAnswer,
  type KbSearchResult,
} from '../../../shared/kb.js';
import type { AppDeps, AppEnv } from '../../http/context.js';
import { requestContext } from '../../http/request-context.js';
import { currentSession, requirePermission, requireSignIn } from '../../http/session.js';
import { validate } from '../../http/validate.js';
import { searchEngineFor } from '../../kb/search/index.js';
import { SearchCache } from '../../kb/search/cache.js';
import type { RateLimitRule } from '../../rate-limit/limiter.js';
import type { Context } from 'hono';
import * as kb from './service.js';

/**
 * Search-as-you-type sends a request per pause in typing: generous for a person, but a script
 * hammering the search (or the suggestion box) from one account is stopped.
 */
export const KB_SEARCH_RULE: RateLimitRule = { name: 'kb-search:user', limit: 240, windowMs: 60_000 };
/**
 * Public articles read without a session, per address: a locked-out person reads a handful; a
 * script walking slugs (or inflating view counts) is stopped.
 */
export const KB_PUBLIC_RULE: RateLimitRule = { name: 'kb-public:ip', limit: 60, windowMs: 60_000 };
/** "Did this help?": more than a person clicks, fewer than a script would need to skew the counts. */
export const KB_FEEDBACK_RULE: RateLimitRule = { name: 'kb-feedback:user', limit: 30, windowMs: 60_000 };

/**
 * The JSON of a search or suggestion answer. An answer served from the search cache is the same
 * array each time, so its JSON is kept beside it (weakly: it goes when the cache drops the answer)
 * rather than made again for every request that repeats a query, ~5% of a cached search's CPU.
 * The arrays are never changed once made.
 */
const answerJson = new WeakMap<readonly KbSearchResult[], string>();
function answerBody(results: KbSearchResult[]): string {
  let body = answerJson.get(results);
  if (body === undefined) {
    body = JSON.stringify({ results } satisfies KbSearchAnswer);
    answerJson.set(results, body);
  }
  return body;
}
const JSON_CONTENT = { 'Content-Type': 'application/json' };

/** Sessions whose burst key a process keeps (the oldest goes first): 32 characters each. */
const MAX_BURST_KEYS = 10_000;

/**
 * The knowledge base. Reading needs a session (it is the company's internal base: articles name
 * internal systems and addresses), except published articles tagged `public` (KB_PUBLIC_TAG: how
 * to get back into a locked account), which anyone may read, rate-limited per address; writing
 * needs `kb.edit` (help desk, admins). Readers only ever see published articles; the rest answers
 * 404 to them, as if it did not exist.
 */
export function kbRoutes(deps: AppDeps) {
  const kbDeps: kb.KbDeps = {
    db: deps.db,
    engine: searchEngineFor(deps.database.kind),
    audit: deps.audit,
    clock: deps.clock,
    cache: new SearchCache(),
    matchCache: new SearchCache(),
    // Terms are few and long-lived: more of them, and kept for longer (the generation still ends them).
    termCache: new SearchCache(20_000, 10 * 60_000),
    searchLog: deps.searchLog,
    boundedDb: deps.database.withStatementTimeout(kb.SEARCH_TIMEOUT_MS),
    changes: deps.kbChanges,
  };
  // One opaque key per session ties a typing burst's searches together for analytics (see
  // kb.search): an HMAC of the session, so the log cannot be joined to the sessions table. Kept per
  // session rather than made again for every search (the HMAC was ~4% of a cached answer's CPU).
  const burstKeys = new Map<string, string>();
  const burstOf = (c: Context<AppEnv>): string => {
    const { idHash } = currentSession(c);
    let burst = burstKeys.get(idHash);
    if (burst === undefined) {
      burst = deps.keys.mac('searchBursts', idHash).slice(0, 32);
      if (burstKeys.size >= MAX_BURST_KEYS) burstKeys.delete(burstKeys.keys().next().value!);
      burstKeys.set(idHash, burst);
    }
    return burst;
  };
  const actorOf = (c: Context<AppEnv>): kb.KbActor => {
    const session = currentSession(c);
    return { username: session.username, canEdit: can(session.profile.roles, 'kb.edit'), ...requestContext(c) };
  };
  return new Hono<AppEnv>()
    .get('/search', requireSignIn(), validate('query', kbSearchQuerySchema), async (c) => {
      const actor = actorOf(c);
      await deps.rateLimiter.consume(KB_SEARCH_RULE, actor.username);
      const results = await kb.search(kbDeps, c.req.valid('query'), { burst: burstOf(c) });
      return c.body(answerBody(results), 200, JSON_CONTENT);
    })
    .get('/suggest', requireSignIn(), validate('query', kbSuggestQuerySchema), async (c) => {
      const actor = actorOf(c);
      await deps.rateLimiter.consume(KB_SEARCH_RULE, actor.username);
      const results = await kb.suggest(kbDeps, c.req.valid('query'));
      return c.body(answerBody(results), 200, JSON_CONTENT);
    })
    .get('/public', async (c) => {
      await deps.rateLimiter.consume(KB_PUBLIC_RULE, requestContext(c).ip ?? 'unknown');
      return c.json({ articles: await kb.publicArticles(kbDeps) } satisfies KbPublicAnswer, 200);
    })
    .get('/categories', requireSignIn(), async (c) => {
      return c.json({ categories: await kb.categories(kbDeps) }, 200);
    })
    .get('/export', requireSignIn(), validate('query', kbExportQuerySchema), async (c) => {
      const answer = await kb.exportChanges(kbDeps, c.req.valid('query'));
      // Revalidated each time (private: it is the company's base), but an unchanged page costs no transfer.
      const etag = `"${createHash('sha256').update(JSON.stringify(answer)).digest('base64url').slice(0, 27)}"`;
      c.header('Cache-Control', 'private, no-cache');
      c.header('ETag', etag);
      if (c.req.header('if-none-match') === etag) return c.body(null, 304);
      return c.json(answer, 200);
    })
    .get('/analytics', requirePermission('kb.edit'), validate('query', kbAnalyticsQuerySchema), async (c) => {
      return c.json(await kb.analytics(kbDeps, c.req.valid('query')), 200);
    })
    .get('/articles', requirePermission('kb.edit'), validate('query', kbListQuerySchema), async (c) => {
      const { limit, offset, ...filter } = c.req.valid('query');
      return c.json({ articles: await kb.listArticles(kbDeps, filter, limit, offset) }, 200);
    })
    .post('/articles', requirePermission('kb.edit'), validate('json', kbArticleInputSchema), async (c) => {
      const article = await kb.createArticle(kbDeps, actorOf(c), c.req.valid('json'));
      return c.json(article, 201);
    })
    .get('/articles/:slug', validate('param', kbSlugParamSchema), async (c) => {
      const { slug } = c.req.valid('param');
      if (c.get('session')) return c.json(await kb.readArticle(kbDeps, actorOf(c), slug), 200);
      // Signed out: public articles only (anything else answers 401, as before).
      await deps.rateLimiter.consume(KB_PUBLIC_RULE, requestContext(c).ip ?? 'unknown');
      return c.json(await kb.readPublicArticle(kbDeps, slug), 200);
    })
    .put(
      '/articles/:id',
      requirePermission('kb.edit'),
      validate('param', kbIdParamSchema),
      validate('json', kbArticleInputSchema),
      async (c) => {
        const { article } = await kb.updateArticle(kbDeps, actorOf(c), c.req.valid('param').id, c.req.valid('json'));
        return c.json(article, 200);
      },
    )
    .get('/articles/:id/versions', requirePermission('kb.edit'), validate('param', kbIdParamSchema), async (c) => {
      return c.json({ versions: await kb.articleVersions(kbDeps, c.req.valid('param').id) }, 200);
    })
    .post('/articles/:id/versions/:n/restore', requirePermission('kb.edit'), validate('param', kbVersionParamSchema), async (c) => {
      const { id, n } = c.req.valid('param');
      return c.json(await kb.restoreVersion(kbDeps, actorOf(c), id, n), 200);
    })
    .post(
      '/articles/:id/feedback',
      requireSignIn(),
      validate('param', kbIdParamSchema),
      validate('json', kbFeedbackInputSchema),
      async (c) => {
        const actor = actorOf(c);
        await deps.rateLimiter.consume(KB_FEEDBACK_RULE, actor.username);
        return c.json(await kb.giveFeedback(kbDeps, actor, c.req.valid('param').id, c.req.valid('json')), 200);
      },
    );
}
