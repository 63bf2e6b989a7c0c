/**
 * The ldapts layer under the LDAP directory: connections, the service account's bind, a user's
 * own bind, error classification and reading values out of entries.
 *
 * Every operation opens its own connection, binds, does its work and unbinds in `finally`:
 * nothing is pooled, so a directory restart or a failover never leaves the portal holding a dead
 * socket, and a user's bind never shares a connection with the service account.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Client, ResultCodeError, type Entry } from 'ldapts';
import type { LdapConfig } from '../config.js';
import { DirectoryUnavailableError } from './port.js';

/** The slice of a pino-style logger the LDAP directory uses: `(details, message)`. */
export interface LdapDirectoryLogger {
  warn(details: Record<string, unknown>, message: string): void;
  debug?(details: Record<string, unknown>, message: string): void;
}

/** LDAP result codes the directory acts on (RFC 4511 §4.1.9). */
export const RESULT = {
  noSuchAttribute: 16,
  constraintViolation: 19,
  noSuchObject: 32,
  invalidDnSyntax: 34,
  invalidCredentials: 49,
  insufficientAccessRights: 50,
  unwillingToPerform: 53,
} as const;

/** All values of an attribute as strings; ldapts keys entries by the server's spelling, so match case-insensitively. */
export function values(entry: Entry, attribute: string): string[] {
  const wanted = attribute.toLowerCase();
  for (const [key, value] of Object.entries(entry)) {
    if (key.toLowerCase() !== wanted || key === 'dn') continue;
    const list = Array.isArray(value) ? value : [value];
    return list.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v));
  }
  return [];
}

/** The first non-empty value of the first attribute that has one. */
export function first(entry: Entry, ...attributes: string[]): string | null {
  for (const attribute of attributes) {
    const value = values(entry, attribute).find((v) => v !== '');
    if (value !== undefined) return value;
  }
  return null;
}

/** A non-negative whole number attribute; null when absent or not a number. */
export function wholeNumber(entry: Entry, attribute: string): number | null {
  const value = first(entry, attribute);
  return value !== null && /^\d+$/.test(value) ? Number(value) : null;
}

/** LDAP GeneralizedTime (`20261124101500Z`, `20261124101500.123456Z`, `…+0100`) → Date. */
export function parseGeneralizedTime(value: string): Date | null {
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})?(\d{2})?(?:[.,](\d+))?(Z|[+-]\d{4})$/.exec(value);
  if (!match) return null;
  const [, year, month, day, hour, minute = '00', second = '00', fraction = '0', zone = 'Z'] = match;
  const millis = Math.round(Number(`0.${fraction}`) * 1000);
  const utc = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second), millis);
  const offsetMinutes = zone === 'Z' ? 0 : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)));
  const date = new Date(utc - offsetMinutes * 60_000);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** 100-ns intervals between 1601-01-01 (FILETIME epoch) and 1970-01-01. */
const FILETIME_UNIX_EPOCH = 116_444_736_000_000_000n;

/** Active Directory FILETIME (100-ns ticks since 1601) → Date; null for 0 or garbage. */
export function parseFileTime(value: string): Date | null {
  if (!/^\d+$/.test(value)) return null;
  const ticks = BigInt(value);
  if (ticks === 0n) return null;
  return new Date(Number((ticks - FILETIME_UNIX_EPOCH) / 10_000n));
}

/** Human description of an ldapts/socket error without ever including request contents. */
function describeError(error: unknown): string {
  if (error instanceof ResultCodeError) return `LDAP result ${error.code}: ${error.message}`;
  if (error instanceof Error)
    return (error as NodeJS.ErrnoException).code ? `${(error as NodeJS.ErrnoException).code}: ${error.message}` : error.message;
  return String(error);
}

export function isProgrammingError(error: unknown): boolean {
  return error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError || error instanceof SyntaxError;
}

export function hasCode(error: unknown, ...codes: number[]): boolean {
  return error instanceof ResultCodeError && codes.includes(error.code);
}

export type UserBindResult<T> = { bound: false } | { bound: true; value: T };

export interface LdapConnector {
  /** True when traffic is encrypted (ldaps:// or StartTLS), as Active Directory requires for password writes. */
  readonly encrypted: boolean;
  /** Runs `work` on a connection bound as the service account; any transport failure → DirectoryUnavailableError. */
  asService<T>(operation: string, work: (client: Client) => Promise<T>): Promise<T>;
  /**
   * Binds as `dn` with `password` on a connection of its own and runs `work` there. A refused
   * bind (49: wrong password, locked, disabled or expired; 53: OpenLDAP's answer to an empty
   * password) is `{ bound: false }`; anything else → DirectoryUnavailableError.
   */
  asUser<T>(operation: string, dn: string, password: string, work: (client: Client) => Promise<T>): Promise<UserBindResult<T>>;
  /** Wraps a transport or server failure (logging it once) so callers see one error type. */
  unavailable(operation: string, error: unknown): DirectoryUnavailableError;
  close(): Promise<void>;
}

export function createLdapConnector(config: LdapConfig, logger: LdapDirectoryLogger | undefined): LdapConnector {
  const url = new URL(config.url);
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const secureUrl = url.protocol === 'ldaps:';
  const tlsOptions: ConnectionOptions = {
    // Read once at start: a missing CA file is a configuration error worth failing loudly on.
    ...(config.caFile ? { ca: [readFileSync(config.caFile)] } : {}),
    // The name the certificate is checked against; SNI only takes host names, not IP addresses.
    host: hostname,
    ...(net.isIP(hostname) === 0 ? { servername: hostname } : {}),
  };
  const active = new Set<Client>();
  let closed = false;
  const logged = new WeakSet<Error>();

  function unavailable(operation: string, error: unknown): DirectoryUnavailableError {
    const wrapped =
      error instanceof DirectoryUnavailableError
        ? error
        : new DirectoryUnavailableError(`LDAP directory ${config.url} could not ${operation}: ${describeError(error)}`, { cause: error });
    if (!logged.has(wrapped)) {
      logged.add(wrapped);
      logger?.warn({ operation, url: config.url, error: wrapped.message }, 'LDAP directory unavailable');
    }
    return wrapped;
  }

  /** A connected client (StartTLS done when configured); the caller must `release` it. */
  async function connect(): Promise<Client> {
    if (closed) throw new DirectoryUnavailableError('The LDAP directory has been closed');
    const client = new Client({
      url: config.url,
      timeout: config.timeoutMs,
      connectTimeout: config.timeoutMs,
      // ldapts switches to TLS-from-the-first-byte whenever tlsOptions is given, so pass it
      // only for ldaps:// — StartTLS gets its options in startTLS() below.
      ...(secureUrl ? { tlsOptions } : {}),
    });
    active.add(client);
    if (config.startTls && !secureUrl) {
      // ldapts puts no timer on the TLS handshake after StartTLS; a stalled server would hang us.
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          client.startTLS({ ...tlsOptions }),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`StartTLS timed out after ${config.timeoutMs} ms`)), config.timeoutMs);
          }),
        ]);
      } catch (error) {
        await release(client);
        throw error;
      } finally {
        clearTimeout(timer);
      }
    }
    return client;
  }

  async function release(client: Client): Promise<void> {
    active.delete(client);
    // unbind() also destroys the socket; errors here (already closed, timed out) change nothing.
    await client.unbind().catch(() => undefined);
  }

  return {
    encrypted: secureUrl || config.startTls,

    async asService(operation, work) {
      let client: Client | undefined;
      try {
        client = await connect();
        try {
          await client.bind(config.bindDn, config.bindPassword);
        } catch (error) {
          if (hasCode(error, RESULT.invalidCredentials, RESULT.unwillingToPerform)) {
            throw new DirectoryUnavailableError(
              `LDAP directory ${config.url} refused the service account ${config.bindDn}; check LDAP_BIND_DN and LDAP_BIND_PASSWORD`,
              { cause: error },
            );
          }
          throw error;
        }
        return await work(client);
      } catch (error) {
        if (isProgrammingError(error)) throw error;
        throw unavailable(operation, error);
      } finally {
        if (client) await release(client);
      }
    },

    async asUser(operation, dn, password, work) {
      let client: Client | undefined;
      try {
        client = await connect();
        try {
          await client.bind(dn, password);
        } catch (error) {
          if (hasCode(error, RESULT.invalidCredentials, RESULT.unwillingToPerform)) return { bound: false };
          throw error;
        }
        return { bound: true, value: await work(client) };
      } catch (error) {
        if (isProgrammingError(error)) throw error;
        throw unavailable(operation, error);
      } finally {
        if (client) await release(client);
      }
    },

    unavailable,

    async close() {
      closed = true;
      await Promise.all([...active].map((client) => release(client)));
    },
  };
}
