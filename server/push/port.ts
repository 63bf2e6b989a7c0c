/**
 * The web push port. The real implementation (web-push.ts) posts an encrypted message to the
 * browser's push service with a VAPID signature; the push services (FCM, Mozilla, Apple) cannot run
 * here, so tests use a recording fake (tests/harness/push.ts) that keeps what would have been sent.
 */

/** A browser's subscription as stored. */
export interface PushTarget {
  endpoint: string;
  p256dh: string;
  auth: string;
}

export interface PushSendOptions {
  /** Seconds the push service keeps the message for an offline browser. */
  ttlSeconds: number;
  urgency?: 'very-low' | 'low' | 'normal' | 'high';
}

/**
 * `sent`: the push service accepted it. `gone`: the service answered 404 or 410, so the browser
 * unsubscribed or the subscription expired; the caller drops it. Any other failure throws (the job
 * retries).
 */
export type PushOutcome = 'sent' | 'gone';

export interface PushSender {
  /** The VAPID public key (base64url) browsers subscribe with (`applicationServerKey`). */
  readonly publicKey: string;
  send(target: PushTarget, payload: string, options: PushSendOptions): Promise<PushOutcome>;
}

/** A push service refused or could not be reached; the message names only its host (endpoints stay out of logs). */
export class PushDeliveryError extends Error {
  constructor(
    message: string,
    readonly statusCode: number | null,
  ) {
    super(message);
    this.name = 'PushDeliveryError';
  }
}
