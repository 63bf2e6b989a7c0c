import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A pass-through proxy in front of the test server that can pretend a new release was deployed:
 * after `release()`, `/sw.js` gains a trailing comment, so the browser sees a changed service
 * worker exactly as after a real deploy, without touching the shared dist/ other tests read.
 */
export interface ReleaseProxy {
  url: string;
  /** Points the proxy at the server, once it is running (its PUBLIC_URL must be the proxy's). */
  forwardTo(target: string): void;
  release(): void;
  close(): Promise<void>;
}

export async function startReleaseProxy(): Promise<ReleaseProxy> {
  let target: URL | null = null;
  let build = 1;

  const server = http.createServer((req, res) => {
    if (!target) {
      res.writeHead(503).end();
      return;
    }
    const rewrite = build > 1 && req.url?.split('?')[0] === '/sw.js';
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: req.url,
        method: req.method,
        // Ask for plain bytes when we rewrite, so we can append to them.
        headers: rewrite ? { ...req.headers, 'accept-encoding': 'identity' } : req.headers,
      },
      (answer) => {
        if (!rewrite) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const body = Buffer.concat([...chunks, Buffer.from(`\n// release ${build}\n`)]);
          const headers = { ...answer.headers, 'content-length': String(body.length) };
          delete headers.etag;
          delete headers['last-modified'];
          res.writeHead(answer.statusCode ?? 502, headers).end(body);
        });
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    forwardTo: (url) => {
      target = new URL(url);
    },
    release: () => {
      build += 1;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
