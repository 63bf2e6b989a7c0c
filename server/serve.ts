import type { AddressInfo } from 'node:net';
import { seedDemoKnowledgeBase } from './features/kb/demo-seed.js';
import { searchEngineFor } from './kb/search/index.js';
import { serve, type ServerType } from '@hono/node-server';
import { createApp } from './app.js';
import { closeDeps } from './composition.js';
import type { AppDeps } from './http/context.js';

export interface RunningServer {
  url: string;
  port: number;
  /** Stops accepting connections, lets requests in flight finish, finishes or releases running jobs, then closes the database. */
  close(): Promise<void>;
}

/** Serves the app on the configured host and port (0 picks a free port), and runs JOBS_WORKERS job workers. */
export async function startServer(deps: AppDeps, options: { port?: number; host?: string } = {}): Promise<RunningServer> {
  // The starter knowledge base comes with a served demo (not with every test app, which would pay
  // for ~120 articles it never reads; tests that need it seed it themselves).
  if (deps.config.demo && deps.directory.kind === 'builtin') {
    const kbDeps = { db: deps.db, engine: searchEngineFor(deps.database.kind), audit: deps.audit, clock: deps.clock };
    if (await seedDemoKnowledgeBase(kbDeps)) deps.logger.info('demo knowledge base seeded');
  }
  const app = createApp(deps);
  return new Promise((resolve, reject) => {
    let server: ServerType;
    try {
      server = serve(
        { fetch: app.fetch, port: options.port ?? deps.config.port, hostname: options.host ?? deps.config.host },
        (info: AddressInfo) => {
          const host = info.address === '0.0.0.0' || info.address === '::' ? 'localhost' : info.address;
          if (deps.config.jobWorkers > 0) deps.jobs.start(deps.config.jobWorkers);
          resolve({
            url: `http://${host}:${info.port}`,
            port: info.port,
            close: () =>
              new Promise<void>((done) => {
                // closeDeps stops the workers first: a running job finishes or is released.
                server.close(() => void closeDeps(deps).finally(done));
                // Idle keep-alive sockets would hold close() open; in-flight requests still finish.
                if ('closeIdleConnections' in server) server.closeIdleConnections();
              }),
          });
        },
      );
      server.on('error', reject);
    } catch (error) {
      reject(error);
    }
  });
}
