import { z } from 'zod';

/**
 * Web push, shared by the server (routes, jobs) and the web app (subscribe toggle, service worker).
 */

const base64url = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, 'Must be base64url.');

/**
 * Push services are public HTTPS hosts (FCM, Mozilla, Apple, Microsoft). The server posts to this
 * address, so anything else (plain http, a bare IP address, localhost, credentials in the URL) is
 * refused: a subscription must not turn the portal into a way to reach the internal network.
 */
export function isAcceptablePushEndpoint(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' || url.username || url.password) return false;
  const host = url.hostname.toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal')) return false;
  // IPv4 literals and every IPv6 literal ([…]): push services are named hosts.
  if (/^\d+(\.\d+){3}$/.test(host) || host.startsWith('[') || !host.includes('.')) return false;
  return true;
}

export const pushEndpointSchema = z
  .string()
  .max(2048)
  .refine(isAcceptablePushEndpoint, 'Must be the https address of a public push service.');

/** What the browser's PushSubscription.toJSON() gives, as sent to POST /api/push/subscriptions. */
export const pushSubscriptionSchema = z.object({
  endpoint: pushEndpointSchema,
  // P-256 public key (65 bytes → 87 characters) and a 16-byte auth secret (22 characters).
  keys: z.object({ p256dh: base64url(80, 100), auth: base64url(16, 32) }),
});
export type PushSubscriptionInput = z.infer<typeof pushSubscriptionSchema>;

/** DELETE /api/push/subscriptions: the browser's own endpoint. */
export const pushUnsubscribeSchema = z.object({ endpoint: z.string().min(1).max(2048) });

export { notificationTarget, parsePushMessage, type PushAction, type PushActionName, type PushMessage } from './push-message.js';
