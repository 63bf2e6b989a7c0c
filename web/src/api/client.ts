import { hc } from 'hono/client';
import type { AppType } from '../../../server/app';

/** The one call where a 401 means "wrong password", not "your session is gone". */
const SIGN_IN_PATH = '/api/auth/login';

let onSessionLost: () => void = () => {};
/** Asks the person for their password again; resolves true once the server accepted it, false if they cancelled. */
let onReauthNeeded: (() => Promise<boolean>) | null = null;
/** One prompt at a time: calls refused together wait for the same answer. */
let reauthPending: Promise<boolean> | null = null;

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

/**
 * Registers the password prompt for `403 reauth_required` (see ReauthPrompt.vue). Every call in the
 * app goes through it: a recovery change or staff action the server refuses for want of a recent
 * password asks for it in place and is then sent again, without any card knowing about it.
 */
export function whenReauthNeeded(handler: () => Promise<boolean>): void {
  onReauthNeeded = handler;
}

async function needsReauth(response: Response): Promise<boolean> {
  if (response.status !== 403 || !onReauthNeeded) return false;
  try {
    const body = (await response.clone().json()) as { error?: { code?: unknown } };
    return body.error?.code === 'reauth_required';
  } catch {
    return false;
  }
}

/**
 * Same-origin cookies only: the session cookie never goes anywhere else. Exported for calls that
 * need a plain Response (an AbortSignal, a fallback to a local copy); the typed `api` uses it too.
 */
export async function portalFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const send = () => fetch(input, { ...asJson(init), credentials: 'same-origin' });
  let response = await send();
  if (await needsReauth(response)) {
    reauthPending ??= onReauthNeeded!().finally(() => (reauthPending = null));
    // Cancelled: the original refusal goes back to the caller, which shows it as an error.
    if (await reauthPending) response = await send();
  }
  if (response.status === 401 && pathOf(input) !== SIGN_IN_PATH) onSessionLost();
  return response;
}

/** The typed API: `api.me.$get()`, `api.auth.login.$post({ json })`, … A renamed field breaks the build. */
export const api = hc<AppType>('/', { fetch: portalFetch }).api;
