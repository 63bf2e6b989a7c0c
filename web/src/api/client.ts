import { hc } from 'hono/client';
import type { AppType } from '../../../server/app';

/** The one call where a 401 means "wrong password", not "your session is gone". */
const SIGN_IN_PATH = '/api/auth/login';

let onSessionLost: () => void = () => {};

/** Registers what happens when the server answers 401 to a signed-in call (clear and sign in again). */
export function whenSessionLost(handler: () => void): void {
  onSessionLost = handler;
}

function pathOf(input: RequestInfo | URL): string {
  const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  return new URL(href, window.location.href).pathname;
}

/**
 * hc sets `Content-Type: application/json` for `{ json }` bodies, which the server's CSRF check
 * requires of every state change. Calls without a body (`unlock`, `reset-link`, …) are sent as
 * an empty JSON object, so they pass the same check.
 */
function asJson(init: RequestInit | undefined): RequestInit | undefined {
  const method = (init?.method ?? 'GET').toUpperCase();
  if (!['POST', 'PUT', 'PATCH'].includes(method) || init?.body != null) return init;
  const headers = new Headers(init?.headers);
  if (!headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
  return { ...init, headers, body: '{}' };
}

/** Same-origin cookies only: the session cookie never goes anywhere else. */
async function portalFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const response = await fetch(input, { ...asJson(init), credentials: 'same-origin' });
  if (response.status === 401 && pathOf(input) !== SIGN_IN_PATH) onSessionLost();
  return response;
}

/** The typed API: `api.me.$get()`, `api.auth.login.$post({ json })`, … A renamed field breaks the build. */
export const api = hc<AppType>('/', { fetch: portalFetch }).api;
