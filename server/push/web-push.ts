import type { Agent } from 'node:https';
import webpush from 'web-push';
import { PushDeliveryError, type PushOutcome, type PushSender, type PushSendOptions, type PushTarget } from './port.js';
import type { VapidKeys } from './vapid.js';

/**
 * PushSender over the web-push library: RFC 8291 encryption, RFC 8292 VAPID. `agent` is for tests
 * that stand up their own TLS push endpoint.
 */
export function createWebPushSender(vapid: VapidKeys, transport: { agent?: Agent } = {}): PushSender {
  const vapidDetails = { subject: vapid.subject, publicKey: vapid.publicKey, privateKey: vapid.privateKey };
  return {
    publicKey: vapid.publicKey,
    async send(target: PushTarget, payload: string, options: PushSendOptions): Promise<PushOutcome> {
      try {
        await webpush.sendNotification({ endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } }, payload, {
          vapidDetails,
          TTL: options.ttlSeconds,
          urgency: options.urgency ?? 'normal',
          contentEncoding: 'aes128gcm',
          timeout: 10_000,
          ...(transport.agent ? { agent: transport.agent } : {}),
        });
        return 'sent';
      } catch (error) {
        const status = error instanceof webpush.WebPushError ? error.statusCode : null;
        if (status === 404 || status === 410) return 'gone';
        const host = safeHost(target.endpoint);
        throw new PushDeliveryError(
          status ? `push service ${host} answered ${status}` : `push service ${host} could not be reached: ${(error as Error).message}`,
          status,
        );
      }
    },
  };
}

function safeHost(endpoint: string): string {
  try {
    return new URL(endpoint).host;
  } catch {
    return 'unknown';
  }
}
