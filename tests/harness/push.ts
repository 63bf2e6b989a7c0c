import type { PushMessage } from '../../shared/push.js';
import type { PushOutcome, PushSender, PushSendOptions, PushTarget } from '../../server/push/port.js';
import { PushDeliveryError } from '../../server/push/port.js';

/**
 * A PushSender that records instead of sending. Real push services (FCM, Mozilla, Apple) cannot be
 * reached from tests, so this stands in for them at the port: endpoints listed in `gone` answer
 * like a 410, endpoints in `failing` like a 503.
 */
export class RecordingPushSender implements PushSender {
  readonly publicKey = 'BNrecordingPushSenderPublicKeyForTestsOnly0000000000000000000000000000000000000000000000';
  readonly sent: { endpoint: string; message: PushMessage; options: PushSendOptions }[] = [];
  readonly gone = new Set<string>();
  readonly failing = new Set<string>();

  async send(target: PushTarget, payload: string, options: PushSendOptions): Promise<PushOutcome> {
    if (this.gone.has(target.endpoint)) return 'gone';
    if (this.failing.has(target.endpoint)) throw new PushDeliveryError('push service push.test answered 503', 503);
    this.sent.push({ endpoint: target.endpoint, message: JSON.parse(payload) as PushMessage, options });
    return 'sent';
  }

  /** Messages sent to one endpoint. */
  to(endpoint: string): PushMessage[] {
    return this.sent.filter((s) => s.endpoint === endpoint).map((s) => s.message);
  }
}
