import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/platform/logger.js';
import { buildTestApp, sessionCookieFrom, signInAs, signInFresh, type TestApp, TEST_ORIGIN } from '../harness/app.js';

const DEMO_PASSWORD = 'portal-demo-2026';

describe('CSRF defence, headers and cookies', () => {
  let t: TestApp;
  const logLines: string[] = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    t = await buildTestApp({ env: { LOG_LEVEL: 'debug' }, overrides: { logger: createLogger('debug', sink) } });
  });
  afterAll(() => t.close());

  const login = (headers: Record<string, string>, body = JSON.stringify({ username: 'alice', password: DEMO_PASSWORD })) =>
    t.app.request('/api/auth/login', { method: 'POST', headers: { origin: TEST_ORIGIN, ...headers }, body });

  it.each([
    ['no content type', {}],
    ['text/plain', { 'content-type': 'text/plain' }],
    ['text/plain with a charset', { 'content-type': 'text/plain;charset=UTF-8' }],
    ['upper-case TEXT/PLAIN', { 'content-type': 'TEXT/PLAIN' }],
    ['a form encoding', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['multipart', { 'content-type': 'multipart/form-data; boundary=x' }],
  ])('refuses a state change sent with %s (415) and signs nobody in', async (_label, headers) => {
    const response = await login(headers);
    expect(response.status).toBe(415);
    expect((await response.json()).error.code).toBe('unsupported_media_type');
    expect(sessionCookieFrom(response)).toBeNull();
  });

  it.each([['application/json; charset=utf-8'], ['Application/JSON']])('accepts JSON declared as %s', async (type) => {
    expect((await login({ 'content-type': type })).status).toBe(200);
  });

  it('refuses a request from another origin or marked cross-site', async () => {
    const fromElsewhere = await login({ 'content-type': 'application/json', origin: 'https://evil.example' });
    expect(fromElsewhere.status).toBe(403);
    expect((await fromElsewhere.json()).error.code).toBe('csrf_rejected');
    const crossSite = await login({ 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' });
    expect(crossSite.status).toBe(403);
  });

  it('accepts a bodiless DELETE from our own origin, but not from another', async () => {
    const cookie = await signInFresh(t, 'alice');
    const ours = await t.app.request('/api/recovery/totp', { method: 'DELETE', headers: { origin: TEST_ORIGIN, cookie } });
    expect(ours.status).toBe(204);
    const theirs = await t.app.request('/api/recovery/totp', { method: 'DELETE', headers: { origin: 'https://evil.example', cookie } });
    expect(theirs.status).toBe(403);
    const withBody = await t.app.request('/api/recovery/totp', {
      method: 'DELETE',
      headers: { origin: TEST_ORIGIN, cookie, 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(withBody.status).toBe(415);
  });

  it('never changes state on GET', async () => {
    const cookie = await signInAs(t, 'alice');
    const response = await t.request('GET', '/api/auth/logout', { cookie });
    expect(response.status).toBe(404);
    expect((await t.request('GET', '/api/me', { cookie })).status).toBe(200);
    expect((await t.request('GET', '/api/auth/login?username=alice&password=x')).status).toBe(404);
  });

  it('sends HSTS for a year, a strict CSP and no referrer', async () => {
    const response = await t.request('GET', '/api/health');
    expect(Number(/max-age=(\d+)/.exec(response.headers.get('strict-transport-security') ?? '')?.[1])).toBeGreaterThanOrEqual(31_536_000);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('sets an HttpOnly SameSite session cookie (not Secure on plain-http development)', async () => {
    const response = await login({ 'content-type': 'application/json' });
    const setCookie = response.headers.getSetCookie().join('\n');
    expect(setCookie).toMatch(/^portal_session=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).toMatch(/Path=\//);
  });

  it('keeps passwords and session ids out of every log line', async () => {
    const response = await login({ 'content-type': 'application/json' });
    const cookie = sessionCookieFrom(response)!;
    await t.request('GET', '/api/me', { cookie });
    // A wrong password counts against the account: a throwaway person's, not alice's.
    const person = await t.addPerson();
    await login({ 'content-type': 'application/json' }, JSON.stringify({ username: person.username, password: 'a-wrong-secret-123' }));
    const logs = logLines.join('');
    expect(logs).toContain('"route":"/api/auth/login"');
    expect(logs).not.toContain(DEMO_PASSWORD);
    expect(logs).not.toContain('a-wrong-secret-123');
    expect(logs).not.toContain(cookie.split('=')[1]);
  });

  it('answers unknown API paths with a JSON 404', async () => {
    const response = await t.request('GET', '/api/nope');
    expect(response.status).toBe(404);
    expect((await response.json()).error.code).toBe('not_found');
  });

  it('refuses oversized bodies with a 413', async () => {
    const response = await login(
      { 'content-type': 'application/json' },
      JSON.stringify({ username: 'alice', password: 'x'.repeat(100_000) }),
    );
    expect(response.status).toBe(413);
  });

  describe('body size over a real socket', () => {
    // Through @hono/node-server as `npm start` serves: a declared length is judged from the header,
    // a chunked body by counting what arrives.
    let server: ServerType;
    let port: number;
    beforeAll(async () => {
      server = await new Promise<ServerType>((resolve) => {
        const s = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
      });
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((done) => server.close(() => done())));

    /** Sends a sign-in whose body is written by `write`; resolves with the status as soon as it arrives. */
    const send = (headers: Record<string, string | number>, write: (req: http.ClientRequest) => void) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/api/auth/login',
            headers: { origin: TEST_ORIGIN, 'content-type': 'application/json', ...headers },
          },
          (res) => {
            let body = '';
            res.on('data', (chunk) => (body += chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', (error) =>
          (error as NodeJS.ErrnoException).code === 'ECONNRESET' || (error as NodeJS.ErrnoException).code === 'EPIPE'
            ? undefined
            : reject(error),
        );
        write(req);
      });

    it('refuses a declared length over the limit before the body arrives', async () => {
      // Ten megabytes announced, a few bytes sent and the request left open: the answer cannot
      // wait for the rest.
      const answer = await send({ 'content-length': 10_000_000 }, (req) => req.write('{"username":'));
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body).error.code).toBe('payload_too_large');
    });

    it('counts a chunked body as it arrives and refuses it past the limit', async () => {
      const answer = await send({ 'transfer-encoding': 'chunked' }, (req) => {
        req.write(JSON.stringify({ username: 'alice', password: 'x'.repeat(40_000) }).slice(0, -2));
        req.write('x'.repeat(40_000));
        req.end('"}');
      });
      expect(answer.status).toBe(413);
    });

    it('reads a body within the limit, declared or chunked', async () => {
      const body = JSON.stringify({ username: 'alice', password: DEMO_PASSWORD });
      expect((await send({ 'content-length': Buffer.byteLength(body) }, (req) => req.end(body))).status).toBe(200);
      expect((await send({ 'transfer-encoding': 'chunked' }, (req) => req.end(body))).status).toBe(200);
    });
  });
});

describe('over https', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ env: { PUBLIC_URL: 'https://it.example.com' } });
  });
  afterAll(() => t.close());

  it('uses a __Host- prefixed, Secure session cookie bound to the exact origin', async () => {
    const response = await t.app.request('/api/auth/login', {
      method: 'POST',
      headers: { origin: 'https://it.example.com', 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: DEMO_PASSWORD }),
    });
    expect(response.status).toBe(200);
    const setCookie = response.headers.getSetCookie().join('\n');
    expect(setCookie).toMatch(/^__Host-portal_session=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toMatch(/; Secure/);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).not.toMatch(/Domain=/i);
  });
});
