import { ERROR_CODES, type ErrorCode } from '../../../../shared/errors';
import { ApiError } from '../../api/errors';
import { answerFor, dismiss, queueWrite, type OutboxWrite, type TransportAnswer } from '../../api/outbox';

/** Sent and answered (`body`), or kept on this device to be sent when the connection is back. */
export type Sent<T> = { queued: false; body: T } | { queued: true };

/** How long the person waits for the answer before being told it goes when they are back online. */
const ANSWER_WAIT_MS = 8000;

function apiErrorOf(answer: TransportAnswer): ApiError {
  const error = (answer.body as { error?: { code?: unknown; message?: unknown; fields?: unknown } } | null)?.error;
  const code = typeof error?.code === 'string' && (ERROR_CODES as readonly string[]).includes(error.code) ? (error.code as ErrorCode) : 'internal';
  const fields = error?.fields && typeof error.fields === 'object' ? (error.fields as Record<string, string>) : {};
  return new ApiError(answer.status, code, typeof error?.message === 'string' ? error.message : '', fields);
}

/**
 * A write that must survive being offline (a new request, a decision) goes through the outbox:
 * stored with its Idempotency-Key first, then sent, exactly once however often it is resent.
 * Online, the answer comes back here as usual; a refusal is shown in place (so it is taken off
 * "needs attention"). Offline or slow, the write waits in the outbox and the caller says so.
 * Without the outbox (no IndexedDB), `direct` sends it the ordinary way.
 */
export async function sendThroughOutbox<T>(write: OutboxWrite, direct: () => Promise<T>): Promise<Sent<T>> {
  let key: string;
  try {
    key = (await queueWrite(write)).key;
  } catch {
    return { queued: false, body: await direct() };
  }
  if (typeof navigator !== 'undefined' && navigator.onLine === false) return { queued: true };
  const result = await answerFor(key, ANSWER_WAIT_MS);
  if (!result) return { queued: true };
  if (result.kind === 'done') return { queued: false, body: result.answer.body as T };
  await dismiss(key);
  throw apiErrorOf(result.answer);
}
