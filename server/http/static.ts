import fs from 'node:fs';
import path from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Hono } from 'hono';
import type { AppEnv } from './context.js';
import { permissionsPolicyFor } from './security-headers.js';

/**
 * Serves the built web app: hashed assets cached for a year, everything else revalidated
 * (so a new service worker and index.html are picked up), and index.html for any other path
 * outside /api so that deep links work (the client router takes over).
 */
export function serveWebApp(app: Hono<AppEnv>, webRoot: string): void {
  const indexHtml = path.join(webRoot, 'index.html');
  app.use(
    '*',
    serveStatic({
      root: path.relative(process.cwd(), webRoot) || '.',
      // The build writes .br and .gz beside each file; serve those to browsers that accept them.
      precompressed: true,
      onFound: (filePath, c) => {
        const immutable = filePath.includes(`${path.sep}assets${path.sep}`) || filePath.includes('/assets/');
        c.header('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );
  app.get('*', (c) => {
    if (c.req.path.startsWith('/api/') || c.req.path === '/api') return c.notFound();
    if (!fs.existsSync(indexHtml)) return c.text('The web app is not built. Run `npm run build`.', 503);
    c.header('Cache-Control', 'no-cache');
    c.header('Permissions-Policy', permissionsPolicyFor(c.req.path));
    return c.html(fs.readFileSync(indexHtml, 'utf8'));
  });
}
