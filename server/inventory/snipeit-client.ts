import type { SnipeItConfig } from '../config.js';
import { errors } from '../errors.js';

/**
 * Calls to Snipe-IT's REST API v1: bearer token, JSON, a timeout on every call. Snipe-IT answers
 * many failures with HTTP 200 and `{"status":"error","messages":…,"payload":null}`; those come
 * back as a `SnipeItRefusal` for the adapter to map, while outages (network, timeout, 5xx, a
 * refused token) become `inventory_unavailable`.
 */
export class SnipeItRefusal extends Error {
  constructor(readonly messages: unknown) {
    super(typeof messages === 'string' ? messages : JSON.stringify(messages));
    this.name = 'SnipeItRefusal';
  }

  /** Field → first message, when Snipe-IT named fields. */
  get fields(): Record<string, string> {
    if (!this.messages || typeof this.messages !== 'object') return {};
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(this.messages as Record<string, unknown>)) {
      out[key] = Array.isArray(value) ? String(value[0]) : String(value);
    }
    return out;
  }
}

export interface SnipeItPage<T> {
  total: number;
  rows: T[];
}

export class SnipeItClient {
  constructor(private readonly config: Pick<SnipeItConfig, 'url' | 'token' | 'timeoutMs'>) {}

  async request<T>(
    method: string,
    path: string,
    options: { query?: Record<string, string | number | undefined>; body?: unknown } = {},
  ): Promise<T> {
    const url = new URL(`${this.config.url}/api/v1${path}`);
    for (const [key, value] of Object.entries(options.query ?? {}))
      if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          Authorization: `Bearer ${this.config.token}`,
          Accept: 'application/json',
          ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
    } catch (cause) {
      // The cause names the host for the log; the caller only hears that the inventory is away.
      throw errors.inventoryUnavailable(new Error(`Snipe-IT ${method} ${url.pathname} failed`, { cause }));
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch (cause) {
      throw errors.inventoryUnavailable(new Error(`Snipe-IT ${method} ${url.pathname}: HTTP ${response.status}, not JSON`, { cause }));
    }
    if (
      response.status === 401 ||
      response.status === 403 ||
      response.status >= 500 ||
      (response.status >= 400 && response.status !== 404 && response.status !== 422)
    ) {
      // A refused token is configuration, not the caller's fault: the inventory is unusable until fixed.
      throw errors.inventoryUnavailable(new Error(`Snipe-IT ${method} ${url.pathname}: HTTP ${response.status}`));
    }
    if (body && typeof body === 'object' && (body as { status?: unknown }).status === 'error') {
      throw new SnipeItRefusal((body as { messages?: unknown }).messages ?? 'error');
    }
    if (response.status === 404) throw new SnipeItRefusal('not found');
    return body as T;
  }

  get<T>(path: string, query?: Record<string, string | number | undefined>) {
    return this.request<T>('GET', path, { query });
  }

  /** Every row of a paged list, `limit` at a time. */
  async all<T>(path: string, query: Record<string, string | number | undefined> = {}, limit = 500): Promise<T[]> {
    const rows: T[] = [];
    for (let offset = 0; ; offset += limit) {
      const page = await this.get<SnipeItPage<T>>(path, { ...query, limit, offset });
      rows.push(...page.rows);
      if (page.rows.length < limit || rows.length >= page.total) return rows;
    }
  }
}

/** Whether an error is Snipe-IT saying no (as opposed to an outage). */
export function isRefusal(error: unknown): error is SnipeItRefusal {
  return error instanceof SnipeItRefusal;
}
