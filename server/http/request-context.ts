import type { Context } from 'hono';
import type { AppEnv } from './context.js';

/** Who is calling from where, for audit entries and rate limits. */
export function requestContext(c: Context<AppEnv>): { ip: string | null; userAgent: string | null } {
  return { ip: c.get('ip'), userAgent: c.req.header('user-agent') ?? null };
}
