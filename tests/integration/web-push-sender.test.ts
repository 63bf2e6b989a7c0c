import { execFile } from 'node:child_process';
import { createDecipheriv, createECDH, hkdfSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import webpush from 'web-push';
import { PushDeliveryError } from '../../server/push/port.js';
import { createWebPushSender } from '../../server/push/web-push.js';

/**
 * The real web-push sender against a stand-in push service: a local HTTPS server with its own
 * certificate (the real ones, FCM, Mozilla, Apple, cannot be reached from tests). The "browser"
 * keys are made here, so the test decrypts what arrived exactly as a browser would (RFC 8291,
 * aes128gcm) and checks the VAPID signature header (RFC 8292).
 */
const execFileAsync = promisify(execFile);

interface Received {
  path: string;
  headers: import('node:http').IncomingHttpHeaders;
  body: Buffer;
}

describe('web-push sender', () => {
  let dir: string;
  let server: https.Server;
  let origin: string;
  let agent: https.Agent;
  const received: Received[] = [];
  const vapid = { ...webpush.generateVAPIDKeys(), subject: 'mailto:it@example.com' };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-push-'));
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    await execFileAsync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ]);
    server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
        const status = req.url?.includes('/gone') ? 410 : req.url?.includes('/missing') ? 404 : req.url?.includes('/down') ? 503 : 201;
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `https://localhost:${(server.address() as AddressInfo).port}`;
    agent = new https.Agent({ ca: fs.readFileSync(cert) });
  });
  afterAll(async () => {
    agent?.destroy();
    await new Promise((resolve) => server?.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A browser's subscription keys: an ECDH P-256 pair and a 16-byte auth secret. */
  function browser() {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const auth = randomBytes(16);
    return { ecdh, auth, p256dh: ecdh.getPublicKey().toString('base64url'), authText: auth.toString('base64url') };
  }

  /** RFC 8291 decryption, as the browser does it. */
  function decrypt(body: Buffer, ua: ReturnType<typeof browser>): string {
    const salt = body.subarray(0, 16);
    const idLength = body[20]!;
    const serverKey = body.subarray(21, 21 + idLength);
    const ciphertext = body.subarray(21 + idLength);
    const shared = ua.ecdh.computeSecret(serverKey);
    const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), ua.ecdh.getPublicKey(), serverKey]);
    const ikm = Buffer.from(hkdfSync('sha256', shared, ua.auth, keyInfo, 32));
    const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
    const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
    const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
    decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
    const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
    // The last record ends with the delimiter 0x02 and zero padding.
    return padded.subarray(0, padded.lastIndexOf(2)).toString('utf8');
  }

  it('delivers an encrypted message with a VAPID signature that only the browser can read', async () => {
    const sender = createWebPushSender(vapid, { agent });
    const ua = browser();
    const message = JSON.stringify({ title: 'Approval waiting', body: 'Alice asks for a laptop', url: '/approvals/3' });
    const outcome = await sender.send({ endpoint: `${origin}/push/ok-1`, p256dh: ua.p256dh, auth: ua.authText }, message, { ttlSeconds: 60 });
    expect(outcome).toBe('sent');
    const got = received.find((r) => r.path === '/push/ok-1')!;
    expect(got.headers['content-encoding']).toBe('aes128gcm');
    expect(got.headers.ttl).toBe('60');
    expect(got.headers.authorization).toMatch(new RegExp(`^vapid t=[\\w-]+\\.[\\w-]+\\.[\\w-]+, k=${vapid.publicKey}$`));
    expect(got.body.toString('latin1')).not.toContain('Approval waiting');
    expect(decrypt(got.body, ua)).toBe(message);
    expect(sender.publicKey).toBe(vapid.publicKey);
  });

  it('reports 404 and 410 as gone, and other failures as errors that name only the host', async () => {
    const sender = createWebPushSender(vapid, { agent });
    const ua = browser();
    const target = (p: string) => ({ endpoint: `${origin}${p}`, p256dh: ua.p256dh, auth: ua.authText });
    expect(await sender.send(target('/push/gone/abc'), '{}', { ttlSeconds: 60 })).toBe('gone');
    expect(await sender.send(target('/push/missing/abc'), '{}', { ttlSeconds: 60 })).toBe('gone');
    const failure = await sender.send(target('/push/down/secret-token'), '{}', { ttlSeconds: 60 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PushDeliveryError);
    expect((failure as PushDeliveryError).statusCode).toBe(503);
    expect((failure as Error).message).not.toContain('secret-token');
  });
});
