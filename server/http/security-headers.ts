import type { MiddlewareHandler } from 'hono';

/**
 * Security headers on every response. The CSP allows only our own origin: the built app has no
 * inline scripts, and the service worker and manifest are same-origin files.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** No page may use the camera, microphone or location… */
const PERMISSIONS_POLICY = 'camera=(), microphone=(), geolocation=()';

/**
 * …except the help desk's fulfilment page, which scans an asset's barcode with the phone camera.
 * A policy binds the document it arrives with, so only the HTML of that page carries it (the app
 * links there with a full page load, and the service worker never answers that page from its cache).
 */
const CAMERA_PAGE = /^\/fulfil\/[^/]+\/?$/;

/** The Permissions-Policy for the HTML of the page at `pathname`. */
export function permissionsPolicyFor(pathname: string): string {
  return CAMERA_PAGE.test(pathname) ? 'camera=(self), microphone=(), geolocation=()' : PERMISSIONS_POLICY;
}

const HEADERS: [string, string][] = [
  ['Content-Security-Policy', CONTENT_SECURITY_POLICY],
  ['Strict-Transport-Security', 'max-age=31536000; includeSubDomains'],
  ['Referrer-Policy', 'no-referrer'],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Origin-Agent-Cluster', '?1'],
  ['Permissions-Policy', PERMISSIONS_POLICY],
  ['X-DNS-Prefetch-Control', 'off'],
  ['X-Permitted-Cross-Domain-Policies', 'none'],
];

/**
 * Set before the handler runs, so they are part of the response as it is built. (Hono's
 * secureHeaders sets them afterwards, which makes @hono/node-server rebuild every response and
 * halved the throughput of every API call in our benchmark.)
 */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    for (const [name, value] of HEADERS) c.header(name, value);
    await next();
  };
}
