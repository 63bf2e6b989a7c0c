import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { createApp } from '../../server/app.js';
import { closeDeps, composeApp, type Overrides } from '../../server/composition.js';
import { loadConfig } from '../../server/config.js';
import type { AppDeps } from '../../server/http/context.js';
import { ManualClock } from './clock.js';
import { RecordingPushSender } from './push.js';
import { type DialectName, openTestDatabase } from './db.js';
import { type SmtpCapture, startSmtpCapture } from './smtp.js';
import { addThrowawayPerson, assertDemoPeopleUnchanged, type ThrowawayOptions, type ThrowawayPerson } from './people.js';

export const TEST_ORIGIN = 'http://portal.test';

export interface TestApp {
  app: ReturnType<typeof createApp>;
  deps: AppDeps;
  clock: ManualClock;
  /** Web push as recorded instead of sent (push services cannot run here), unless the test gave its own sender. */
  push: RecordingPushSender;
  /** Calls the app in-process like a browser on TEST_ORIGIN would (JSON, Origin header, cookie jar). */
  request(
    method: string,
    path: string,
    init?: {
      json?: unknown;
      headers?: Record<string, string>;
      cookie?: string | null;
      /** The client address the app sees (as the TCP peer); in-process requests otherwise have none. */
      ip?: string;
    },
  ): Promise<Response>;
  /** Runs every due job to completion (mail included), for asserting that something was or was not sent. */
  drainJobs(): Promise<void>;
  /** A fresh person in this app's built-in directory, for a test that changes them (see people.ts). */
  addPerson(options?: ThrowawayOptions): Promise<ThrowawayPerson>;
  /** Closes everything; fails when a test left the demo people changed (see people.ts). */
  close(): Promise<void>;
}

/**
 * The real app, composed exactly like production, on a fresh database of the given dialect, with a
 * manual clock. Demo data is seeded into the built-in directory unless `env.PORTAL_DEMO` says otherwise;
 * closing it checks that the tests left the demo people as they were seeded.
 */
export async function buildTestApp(
  options: { dialect?: DialectName; env?: Record<string, string>; overrides?: Overrides } = {},
): Promise<TestApp> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-app-'));
  const config = loadConfig({ PORTAL_DATA_DIR: dataDir, PORTAL_DEMO: '1', PUBLIC_URL: TEST_ORIGIN, LOG_LEVEL: 'silent', ...options.env });
  const database = await openTestDatabase(options.dialect ?? 'sqlite');
  const clock = new ManualClock();
  const push = new RecordingPushSender();
  const deps = await composeApp(config, { clock, database, webRoot: null, jobs: { pollMs: 50, recurring: false }, push, ...options.overrides });
  const app = createApp(deps);
  // Like a server process: a worker runs jobs (mail) in the background, woken after each write.
  if (deps.config.jobWorkers > 0) deps.jobs.start(deps.config.jobWorkers);
  const testFile = expect.getState().testPath;
  return {
    app,
    deps,
    clock,
    push,
    request(method, url, init = {}) {
      const headers: Record<string, string> = { origin: TEST_ORIGIN, ...init.headers };
      if (init.cookie) headers.cookie = init.cookie;
      let body: string | undefined;
      if (init.json !== undefined) {
        headers['content-type'] ??= 'application/json';
        body = JSON.stringify(init.json);
      }
      // @hono/node-server's getConnInfo reads the peer from `env.incoming.socket`, as a real server sets it.
      const env = init.ip ? { incoming: { socket: { remoteAddress: init.ip, remotePort: 40000, remoteFamily: init.ip.includes(':') ? 'IPv6' : 'IPv4' } } } : undefined;
      return Promise.resolve(app.request(url, { method, headers, body }, env));
    },
    drainJobs: () => deps.jobs.drain(),
    addPerson: (options) => addThrowawayPerson(deps, options),
    async close() {
      try {
        await assertDemoPeopleUnchanged(deps.db, testFile);
      } finally {
        await closeDeps(deps);
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/** The app with a real SMTP server of its own as its mail server; closing the app closes both. */
export async function buildTestAppWithMail(
  options: { dialect?: DialectName; env?: Record<string, string>; overrides?: Overrides } = {},
): Promise<TestApp & { smtp: SmtpCapture }> {
  const smtp = await startSmtpCapture();
  try {
    const t = await buildTestApp({ ...options, env: { ...options.env, SMTP_URL: smtp.url } });
    return {
      ...t,
      smtp,
      async close() {
        try {
          await t.close();
        } finally {
          await smtp.close();
        }
      },
    };
  } catch (error) {
    await smtp.close();
    throw error;
  }
}

/** Every API route the app registers, as `METHOD /api/path` (catch-alls left out), for route walks. */
export function registeredApiRoutes(t: TestApp): string[] {
  return [
    ...new Set(
      t.app.routes
        .filter((r) => r.path.startsWith('/api/') && r.method !== 'ALL' && !r.path.endsWith('*'))
        .map((r) => `${r.method} ${r.path}`),
    ),
  ];
}

/** The `name=value` part of the session cookie a response set, for the next request. */
export function sessionCookieFrom(response: Response): string | null {
  const setCookie = response.headers.getSetCookie().find((c) => c.includes('portal_session='));
  if (!setCookie) return null;
  const pair = setCookie.split(';')[0]!;
  return pair.endsWith('=') ? null : pair;
}

/** Signs in and returns the cookie to send on later requests. */
export async function signInAs(t: TestApp, username: string, password = 'portal-demo-2026'): Promise<string> {
  const response = await t.request('POST', '/api/auth/login', { json: { username, password } });
  if (response.status !== 200) throw new Error(`sign-in as ${username} failed: ${response.status} ${await response.text()}`);
  const cookie = sessionCookieFrom(response);
  if (!cookie) throw new Error('no session cookie');
  return cookie;
}

/** Re-enters the password in a signed-in session (POST /api/auth/reauth), as the web app's prompt does. */
export async function reauth(t: TestApp, cookie: string, password = 'portal-demo-2026'): Promise<void> {
  const response = await t.request('POST', '/api/auth/reauth', { json: { password }, cookie });
  if (response.status !== 200) throw new Error(`re-authentication failed: ${response.status} ${await response.text()}`);
}

/**
 * Signs in and re-enters the password right away: for tests of what a staff member or a person
 * changing their recovery factors does once past the re-authentication prompt.
 */
export async function signInFresh(t: TestApp, username: string, password = 'portal-demo-2026'): Promise<string> {
  const cookie = await signInAs(t, username, password);
  await reauth(t, cookie, password);
  return cookie;
}
