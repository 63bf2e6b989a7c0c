import pg from 'pg';

/** What a listener reports. Between onLost and the next onListening, notifications may be missed. */
export interface NotificationHandlers {
  /** LISTEN is in place: every notification from now on arrives (also after a reconnect). */
  onListening(): void;
  onNotification(payload: string): void;
  /** The connection is gone (a restart, a failover, a network fault); a new one is being made. */
  onLost(error: unknown): void;
}

export interface NotificationListener {
  close(): Promise<void>;
}

/** Waits between attempts to connect again: doubling from the first, up to the last. */
const RETRY_MS = { first: 250, last: 5_000 };

/** Ends a connection this listener is done with: nothing it does after (an error, a late notification) reaches the handlers. */
function discard(client: pg.Client): Promise<void> {
  client.removeAllListeners();
  client.on('error', () => {});
  return client.end().catch(() => {});
}

/**
 * PostgreSQL LISTEN on one channel over a connection of its own (a pooled connection cannot hold
 * a LISTEN: it goes back to the pool). A lost connection is reported and made again, with
 * backoff, until close(). TCP keep-alive lets a silently dropped connection surface as an error.
 */
export function listenForNotifications(url: string, channel: string, handlers: NotificationHandlers): NotificationListener {
  let closed = false;
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | null = null;
  let waitMs = RETRY_MS.first;

  const connect = async () => {
    retry = null;
    const current = new pg.Client({ connectionString: url, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
    client = current;
    let lost = false;
    const lose = (error: unknown) => {
      if (lost || closed) return;
      lost = true;
      client = null;
      void discard(current);
      handlers.onLost(error);
      retry = setTimeout(() => void connect(), waitMs);
      waitMs = Math.min(waitMs * 2, RETRY_MS.last);
    };
    current.on('error', lose);
    current.on('end', () => lose(new Error('the notification connection ended')));
    current.on('notification', (message) => {
      if (message.channel === channel) handlers.onNotification(message.payload ?? '');
    });
    try {
      await current.connect();
      await current.query(`LISTEN ${current.escapeIdentifier(channel)}`);
    } catch (error) {
      lose(error);
      return;
    }
    if (closed || lost) return;
    waitMs = RETRY_MS.first;
    handlers.onListening();
  };
  void connect();

  return {
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const open = client;
      client = null;
      if (open) await discard(open);
    },
  };
}
