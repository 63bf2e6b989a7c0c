import type { MiddlewareHandler } from 'hono';
import { errors } from '../errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF defence for the JSON API, in two layers:
 * 1. state-changing requests must declare `Content-Type: application/json`. Browsers cannot send that
 *    cross-origin without a CORS preflight, which we never grant, so forms and `text/plain` beacons fail;
 * 2. when the browser says where the request comes from (Origin, Sec-Fetch-Site), it must be us.
 */
export function csrfProtection(allowedOrigin: string): MiddlewareHandler {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const mediaType = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    // HTML forms can only GET or POST; a cross-site DELETE is always preflighted, so a bodiless
    // DELETE needs no content type. Anything with a body must be JSON.
    const bodilessDelete = c.req.method === 'DELETE' && !c.req.header('content-length') && !c.req.header('transfer-encoding') && !mediaType;
    if (mediaType !== 'application/json' && !bodilessDelete) {
      throw errors.unsupportedMediaType();
    }
    const origin = c.req.header('origin');
    if (origin !== undefined && origin !== allowedOrigin) {
      throw errors.csrfRejected();
    }
    const fetchSite = c.req.header('sec-fetch-site');
    if (fetchSite === 'cross-site') {
      throw errors.csrfRejected();
    }
    return next();
  };
}
