import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { composeApp } from '../../server/composition.js';
import { loadConfig } from '../../server/config.js';
import { startServer } from '../../server/serve.js';
import { freePort } from './ports.js';

/**
 * The real portal over HTTP, as `npm start` runs it (SQLite file, built-in directory, demo data,
 * the built web app), in a fresh data directory on a free port. For end-to-end tests and benchmarks.
 */
export async function startTestServer(
  options: { env?: Record<string, string> } = {},
): Promise<{ url: string; dataDir: string; close(): Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-e2e-'));
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: url,
    PORTAL_DATA_DIR: dataDir,
    PORTAL_DEMO: '1',
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const deps = await composeApp(config);
  const server = await startServer(deps);
  return {
    url,
    dataDir,
    async close() {
      await server.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
