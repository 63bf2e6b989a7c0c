// The push message format and click rule, shared by the server's push job and the service worker.
// Kept free of zod and every other import, so the service worker stays small.

/** Approve/reject buttons on an approval notification; they open a confirmation screen, never decide. */
export type PushActionName = 'approve' | 'reject';
export interface PushAction {
  action: PushActionName;
  title: string;
}

/** The JSON a push message carries to the service worker (web/src/pwa/sw.ts). */
export interface PushMessage {
  title: string;
  body: string;
  /** A path inside the portal (`/requests/12`, `/approvals/34`) opened on click. */
  url: string;
  tag?: string;
  actions?: PushAction[];
}

/**
 * Where a click on a notification leads. The body opens `url`; an approve/reject button on an
 * approval (`/approvals/{id}`) opens that approval's confirmation screen with the decision
 * preselected, where the person confirms it (a notification never changes state by itself). Only
 * paths inside the portal are opened.
 */
export function notificationTarget(message: Pick<PushMessage, 'url'>, action: string | undefined): string {
  const url = /^\/(?!\/)[^\s\\]*$/.test(message.url) ? message.url : '/';
  if ((action === 'approve' || action === 'reject') && /^\/approvals\/[A-Za-z0-9_-]+$/.test(url)) {
    return `${url}?decision=${action}`;
  }
  return url;
}

/** Reads a push's JSON defensively (the service worker shows only what it understands). */
export function parsePushMessage(data: unknown): PushMessage | null {
  if (!data || typeof data !== 'object') return null;
  const m = data as Record<string, unknown>;
  if (typeof m.title !== 'string' || typeof m.body !== 'string' || typeof m.url !== 'string') return null;
  const actions = Array.isArray(m.actions)
    ? m.actions.filter(
        (a): a is PushAction =>
          !!a && typeof a === 'object' && ((a as PushAction).action === 'approve' || (a as PushAction).action === 'reject') && typeof (a as PushAction).title === 'string',
      )
    : [];
  return {
    title: m.title.slice(0, 200),
    body: m.body.slice(0, 1000),
    url: m.url,
    ...(typeof m.tag === 'string' ? { tag: m.tag.slice(0, 100) } : {}),
    ...(actions.length ? { actions: actions.slice(0, 2) } : {}),
  };
}
