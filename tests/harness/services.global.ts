import type { TestProject } from 'vitest/node';
import { startPostgres, type PostgresHandle } from './postgres.js';
import { startSlapd, type SlapdHandle } from './slapd.js';

export type SlapdInfo = Omit<SlapdHandle, 'stop'>;

declare module 'vitest' {
  interface ProvidedContext {
    /** The shared test slapd (OpenLDAP with ppolicy); undefined when it could not start outside CI. */
    slapd: SlapdInfo | undefined;
    /** A PostgreSQL server URL (database `postgres`); undefined when unavailable outside CI. */
    postgresUrl: string | undefined;
  }
}

const required = process.env.CI === 'true' || process.env.CI === '1';

/**
 * Starts the real services the integration suites share, once per run: PostgreSQL (or the URL in
 * TEST_DATABASE_URL) and slapd. Under CI a missing service fails the run; on a laptop without them
 * the suites that need them are skipped with a warning.
 */
export default async function setup(project: TestProject) {
  const stops: Array<() => Promise<void>> = [];

  async function tryStart<T>(name: string, start: () => Promise<T>): Promise<T | undefined> {
    try {
      return await start();
    } catch (error) {
      if (required) throw new Error(`${name} is required under CI but could not start: ${(error as Error).message}`);
      console.warn(`[tests] ${name} unavailable, its suites are skipped: ${(error as Error).message}`);
      return undefined;
    }
  }

  const [pg, slapd] = await Promise.all([
    process.env.TEST_DATABASE_URL
      ? Promise.resolve<PostgresHandle>({ url: process.env.TEST_DATABASE_URL, stop: async () => {} })
      : tryStart('PostgreSQL', startPostgres),
    tryStart('slapd', () => startSlapd()),
  ]);
  if (pg) stops.push(pg.stop);
  if (slapd) stops.push(slapd.stop);

  const { stop: _stop, ...slapdInfo } = slapd ?? ({} as SlapdHandle);
  project.provide('slapd', slapd ? slapdInfo : undefined);
  project.provide('postgresUrl', pg?.url);

  return async () => {
    await Promise.allSettled(stops.map((stop) => stop()));
  };
}
