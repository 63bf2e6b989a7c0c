import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/app.js';

// The help desk scans asset barcodes with the phone camera on the fulfilment page only; every
// other page, and every API answer, keeps the camera off.
describe('the camera is allowed on the fulfilment page only', () => {
  let t: TestApp;
  let webRoot: string;
  beforeAll(async () => {
    webRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-web-'));
    fs.writeFileSync(path.join(webRoot, 'index.html'), '<!doctype html><title>portal</title>');
    t = await buildTestApp({ overrides: { webRoot } });
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(webRoot, { recursive: true, force: true });
  });

  const policyOf = async (pathname: string) => (await t.request('GET', pathname)).headers.get('permissions-policy') ?? '';

  it('allows it, for our own origin only, on /fulfil/{id}', async () => {
    const policy = await policyOf('/fulfil/42');
    expect(policy).toContain('camera=(self)');
    expect(policy).toContain('microphone=()');
  });

  it.each(['/', '/catalog', '/requests/42', '/approvals/42', '/fulfil', '/fulfil/42/more', '/xfulfil/42', '/api/health'])(
    'keeps it off on %s',
    async (pathname) => {
      const policy = await policyOf(pathname);
      expect(policy).toContain('camera=()');
      expect(policy).not.toContain('camera=(self)');
    },
  );
});
