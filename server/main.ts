import path from 'node:path';
import { describeAuditChain, verifyAuditChain } from './audit/verify.js';
import { composeApp } from './composition.js';
import { ConfigError, loadConfig } from './config.js';
import { backupSqlite, restoreSqlite } from './backup.js';
import { DEMO_PASSWORD, DEMO_PEOPLE } from './demo/company.js';
import { migrateToLatest, openDatabase } from './db/database.js';
import { ensurePrivateDir } from './platform/private-files.js';
import { startServer } from './serve.js';
import { jobCounts, jobsInState } from './jobs/admin.js';
import { JOB_STATES, type JobStateName } from '../shared/jobs.js';
import { AuditTrail } from './audit/audit.js';
import { runKbImport } from './features/kb/import-cli.js';
import { searchEngineFor } from './kb/search/index.js';
import { systemClock } from './platform/clock.js';

// Production runs the compiled server (`npm run build` writes dist/server/main.js); development
// can run the sources with tsx. The commands are the same either way.
const USAGE = `Usage: node dist/server/main.js <command>    (or: npm run portal -- <command>)
       tsx server/main.ts <command>            (from the sources, in development)
  serve                 run the portal (default)
  migrate               bring the database schema up to date and exit
  backup <file|dir>     copy the live SQLite database safely (works while the portal runs)
  restore <file>        replace the SQLite database with a backup (stop the portal first)
  audit verify          check the audit trail's hash chain; exit 1 naming the first changed or removed row
  jobs [state]          list jobs in a state (default: failed) and the count in each state
  kb import <file>      import knowledge-base articles, one JSON object a line (idempotent by slug)`;

async function main(argv: string[]): Promise<number> {
  const [command = 'serve', ...args] = argv;
  const config = loadConfig();

  switch (command) {
    case 'serve': {
      const deps = await composeApp(config);
      const server = await startServer(deps);
      deps.logger.info(
        {
          url: config.publicUrl.href,
          listening: server.url,
          database: config.database.kind,
          directory: deps.directory.kind,
          demo: config.demo,
        },
        'portal started',
      );
      // Logs are written in chunks (see createLogger): the start is announced at once.
      deps.logger.flush();
      if (config.demo && deps.directory.kind === 'builtin') {
        // Printed for a person at a terminal, not a log line: demo sign-ins are public by design.
        console.log(
          `\n  Employee IT Portal (demo mode) on ${config.publicUrl.href}\n  Sign in as any of: ${DEMO_PEOPLE.map((p) => `${p.username} (${p.demoRole})`).join(', ')}\n  Password for all: ${DEMO_PASSWORD}\n`,
        );
      }
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        deps.logger.info({ signal }, 'shutting down');
        const force = setTimeout(() => process.exit(1), 10_000);
        force.unref();
        void server.close().then(() => process.exit(0));
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
      return new Promise<number>(() => {}); // runs until a signal arrives
    }
    case 'migrate': {
      const handle = openDatabase(config.database);
      try {
        const applied = await migrateToLatest(handle.db);
        console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'The database is up to date.');
      } finally {
        await handle.close();
      }
      return 0;
    }
    case 'backup': {
      if (config.database.kind !== 'sqlite') {
        console.error('backup copies the embedded SQLite database. For PostgreSQL use pg_dump (see the README).');
        return 2;
      }
      // With no destination, backups go to a folder beside the database, one file per run.
      const destination = args[0] ?? path.join(config.dataDir, 'backups');
      if (!args[0]) ensurePrivateDir(destination);
      const { file, pages } = await backupSqlite(config.database.file, destination);
      console.log(`Backed up ${pages} pages to ${file}`);
      return 0;
    }
    case 'restore': {
      if (config.database.kind !== 'sqlite' || !args[0]) {
        console.error('restore <file> restores the embedded SQLite database (stop the portal first).');
        return 2;
      }
      const { previous } = restoreSqlite(args[0], config.database.file);
      console.log(`Restored ${args[0]} to ${config.database.file}${previous ? ` (previous database kept as ${previous})` : ''}`);
      return 0;
    }
    case 'audit': {
      if (args[0] !== 'verify') {
        console.error(USAGE);
        return 2;
      }
      const handle = openDatabase(config.database);
      try {
        const status = await verifyAuditChain(handle.db);
        (status.intact ? console.log : console.error)(describeAuditChain(status));
        return status.intact ? 0 : 1;
      } finally {
        await handle.close();
      }
    }
    case 'jobs': {
      const state = (args[0] ?? 'failed') as JobStateName;
      if (!JOB_STATES.includes(state)) {
        console.error(`jobs [state]: state is one of ${JOB_STATES.join(', ')}`);
        return 2;
      }
      const handle = openDatabase(config.database);
      try {
        await migrateToLatest(handle.db);
        const counts = await jobCounts(handle.db);
        console.log(JOB_STATES.map((s) => `${s}: ${counts[s]}`).join('  '));
        const jobs = await jobsInState(handle.db, state, 500);
        if (!jobs.length) console.log(`No ${state} jobs.`);
        for (const job of jobs) {
          console.log(
            `#${job.id}  ${job.kind}  attempts ${job.attempts}/${job.maxAttempts}  next/last run ${job.runAt}${job.lastError ? `\n    ${job.lastError}` : ''}`,
          );
        }
      } finally {
        await handle.close();
      }
      return 0;
    }
    case 'kb': {
      if (args[0] !== 'import' || !args[1]) {
        console.error(USAGE);
        return 2;
      }
      const handle = openDatabase(config.database);
      try {
        await migrateToLatest(handle.db);
        const kbDeps = { db: handle.db, engine: searchEngineFor(handle.kind), audit: new AuditTrail(handle.db, systemClock), clock: systemClock };
        return await runKbImport(kbDeps, args[1], { stdout: process.stdout, stderr: process.stderr });
      } finally {
        await handle.close();
      }
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    console.error(error);
    process.exit(1);
  },
);
