import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import SQLite from 'better-sqlite3';
import { Migrator } from 'kysely';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.js';
import { backupSqlite, restoreSqlite } from '../../server/backup.js';
import { closeDeps, composeApp } from '../../server/composition.js';
import { loadConfig } from '../../server/config.js';
import { type DatabaseHandle, migrateToLatest } from '../../server/db/database.js';
import { migrations } from '../../server/db/migrations/index.js';
import { issueVerificationCode } from '../../server/features/helpdesk/service.js';
import { passwordDepsOf } from '../../server/features/password/routes.js';
import { beginTotpEnrolment, verifyTotpCode } from '../../server/features/recovery/totp.js';
import type { AppDeps } from '../../server/http/context.js';
import { consumeLinkToken, issueLinkToken } from '../../server/one-time-secrets/service.js';
import { ManualClock } from '../harness/clock.js';
import { createLogger } from '../../server/platform/logger.js';
import { PORTAL_SECRET_FILE } from '../../server/platform/keys.js';
import { addBuiltinPerson, uniqueName } from '../directory/fixtures.js';
import { TEST_ORIGIN } from '../harness/app.js';
import { availableDialects, openTestDatabase } from '../harness/db.js';

const newSecret = () => randomBytes(32).toString('hex');
const modeOf = (file: string) => fs.statSync(file).mode & 0o777;
const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'portal-secret-'));

interface Portal {
  deps: AppDeps;
  /** A JSON call as the browser makes it. */
  call(method: string, url: string, json?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** The real app composed on a data directory (and optionally an already-open database), as production does. */
async function portal(
  dataDir: string,
  env: Record<string, string>,
  clock: ManualClock,
  database?: DatabaseHandle,
  logLines?: string[],
): Promise<Portal> {
  const config = loadConfig({ PORTAL_DATA_DIR: dataDir, PORTAL_DEMO: '1', PUBLIC_URL: TEST_ORIGIN, LOG_LEVEL: 'silent', ...env });
  // A shared database outlives each portal built on it; closing is the test's business.
  const shared = database ? { ...database, close: async () => {} } : undefined;
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines?.push(String(chunk));
      done();
    },
  });
  const logger = createLogger('warn', sink);
  const deps = await composeApp(config, { clock, logger, webRoot: null, ...(shared ? { database: shared } : {}) });
  const app = createApp(deps);
  return {
    deps,
    async call(method, url, json) {
      const response = await app.request(url, {
        method,
        headers: { origin: TEST_ORIGIN, 'content-type': 'application/json' },
        body: json === undefined ? undefined : JSON.stringify(json),
      });
      return { status: response.status, body: await response.json() };
    },
    close: () => closeDeps(deps),
  };
}

/** Starts a reset flow for a person and tries one verification; returns the verify status. */
async function tryVerify(p: Portal, username: string, body: Record<string, unknown>): Promise<number> {
  const started = await p.call('POST', '/api/password/forgot', { login: username });
  expect(started.status).toBe(202);
  return (await p.call('POST', `/api/password/flows/${started.body.flowId}/verify`, body)).status;
}

async function addPerson(db: DatabaseHandle['db']): Promise<string> {
  const username = uniqueName('temp');
  await addBuiltinPerson(db, { username, password: `Throwaway-${randomBytes(6).toString('hex')}`, email: `${username}@example.com` });
  return username;
}

describe.each(availableDialects())('a copied database without the portal secret, on %s', (dialect) => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  const dirs: string[] = [];
  const clock = new ManualClock();
  beforeAll(async () => {
    database = await openTestDatabase(dialect);
  });
  afterAll(async () => {
    await database.close();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });
  const on = async (secret: string, logLines?: string[]) => {
    const dir = tempDir();
    dirs.push(dir);
    return portal(dir, { PORTAL_SECRET: secret }, clock, database, logLines);
  };

  it('verifies no code, link or authenticator code issued under another secret; the same secret does', async () => {
    const secret = newSecret();
    const first = await on(secret);
    const username = await addPerson(database.db);
    const { code } = await issueVerificationCode({ ...passwordDepsOf(first.deps), roleGroups: first.deps.config.roleGroups }, username, { username: 'helpdesk-test', roles: ['employee', 'helpdesk'] });
    const { secret: token } = await issueLinkToken(first.deps, { username });
    const enrolment = await beginTotpEnrolment(passwordDepsOf(first.deps), username);
    const totp = new TOTP({ secret: Secret.fromBase32(enrolment.secret), digits: 6, period: 30, algorithm: 'SHA1' });
    expect(await verifyTotpCode(passwordDepsOf(first.deps), username, totp.generate({ timestamp: clock.now() }), true)).toBe(true);
    await first.close();

    // The thief: the same rows, another secret.
    clock.advance(60_000);
    const thiefLog: string[] = [];
    const thief = await on(newSecret(), thiefLog);
    expect(thiefLog.join('')).toContain('the portal secret does not open the secrets sealed in this database');
    expect(await tryVerify(thief, username, { method: 'helpdesk_code', code })).toBe(400);
    expect(await tryVerify(thief, username, { method: 'totp', code: totp.generate({ timestamp: clock.now() }) })).toBe(400);
    expect(await consumeLinkToken(thief.deps, token)).toBeNull();
    await thief.close();

    // The portal itself, restarted with its secret: everything still works.
    const sameLog: string[] = [];
    const same = await on(secret, sameLog);
    expect(sameLog.join('')).not.toContain('portal secret does not open');
    expect(await tryVerify(same, username, { method: 'helpdesk_code', code })).toBe(200);
    expect(await tryVerify(same, username, { method: 'totp', code: totp.generate({ timestamp: clock.now() }) })).toBe(200);
    expect(await consumeLinkToken(same.deps, token)).toMatchObject({ username });
    await same.close();
  });

  it('keeps authenticator secrets unreadable in the database, and refuses one altered or moved to another person', async () => {
    const p = await on(newSecret());
    const deps = passwordDepsOf(p.deps);
    const [alice, mallory] = [await addPerson(database.db), await addPerson(database.db)];
    const enrolment = await beginTotpEnrolment(deps, alice);
    const totp = new TOTP({ secret: Secret.fromBase32(enrolment.secret), digits: 6, period: 30, algorithm: 'SHA1' });
    const row = await database.db.selectFrom('totp_factors').select('secret').where('username', '=', alice).executeTakeFirstOrThrow();
    expect(row.secret).toMatch(/^v1:/);
    expect(row.secret).not.toContain(enrolment.secret);
    expect(Buffer.from(row.secret.slice(3), 'base64url').includes(Buffer.from(enrolment.secret))).toBe(false);

    const setSecret = (username: string, secret: string) =>
      database.db.updateTable('totp_factors').set({ secret }).where('username', '=', username).execute();
    const codeNow = () => totp.generate({ timestamp: clock.now() });

    // Tampered: one bit of the ciphertext flipped.
    const raw = Buffer.from(row.secret.slice(3), 'base64url');
    raw[raw.length - 20]! ^= 0x01;
    await setSecret(alice, `v1:${raw.toString('base64url')}`);
    expect(await verifyTotpCode(deps, alice, codeNow(), true)).toBe(false);
    // In clear (written behind the portal's back): refused, not used.
    await setSecret(alice, enrolment.secret);
    expect(await verifyTotpCode(deps, alice, codeNow(), true)).toBe(false);
    // Moved: alice's sealed secret on mallory's row does not open there.
    await beginTotpEnrolment(deps, mallory);
    await setSecret(mallory, row.secret);
    expect(await verifyTotpCode(deps, mallory, codeNow(), true)).toBe(false);
    // The untouched value still works.
    await setSecret(alice, row.secret);
    expect(await verifyTotpCode(deps, alice, codeNow(), true)).toBe(true);
    await p.close();
  });

  it('seals authenticator secrets an earlier version stored in clear, at start-up, and they keep working', async () => {
    const username = await addPerson(database.db);
    const clear = new Secret({ size: 20 }).base32;
    await database.db
      .insertInto('totp_factors')
      .values({ username, secret: clear, confirmed_at: clock.now(), last_step: null, created_at: clock.now() })
      .execute();
    const p = await on(newSecret());
    const row = await database.db.selectFrom('totp_factors').select('secret').where('username', '=', username).executeTakeFirstOrThrow();
    expect(row.secret).toMatch(/^v1:/);
    expect(row.secret).not.toContain(clear);
    const totp = new TOTP({ secret: Secret.fromBase32(clear), digits: 6, period: 30, algorithm: 'SHA1' });
    expect(await tryVerify(p, username, { method: 'totp', code: totp.generate({ timestamp: clock.now() }) })).toBe(200);
    await p.close();
  });

  it('voids one-time secrets hashed the old way when upgrading', async () => {
    const migrator = new Migrator({ db: database.db, provider: { getMigrations: async () => migrations } });
    // Back to just before the keyed-secrets migration, whatever came after it.
    const names = Object.keys(migrations).sort();
    const before = names[names.indexOf('2026-11-29T0500-keyed-secrets') - 1]!;
    const down = await migrator.migrateTo(before);
    expect(down.error).toBeUndefined();
    expect(down.results?.map((r) => r.migrationName)).toContain('2026-11-29T0500-keyed-secrets');
    const username = uniqueName('temp');
    await database.db
      .insertInto('one_time_secrets')
      .values({
        secret_hash: 'a'.repeat(64),
        username,
        purpose: 'helpdesk_code',
        flow_id_hash: null,
        created_at: Date.now(),
        expires_at: Date.now() + 600_000,
        created_by: null,
      })
      .execute();
    await migrateToLatest(database.db);
    const row = await database.db
      .selectFrom('one_time_secrets')
      .select('consumed_at')
      .where('username', '=', username)
      .executeTakeFirstOrThrow();
    expect(row.consumed_at).not.toBeNull();
  });
});

describe('files of the embedded setup', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });
  const newDataDir = () => {
    const parent = tempDir();
    dirs.push(parent);
    return path.join(parent, 'data');
  };

  it('generates the secret once, keeps it and the database private, and a stolen backup verifies no code', async () => {
    const clock = new ManualClock();
    const dataDir = newDataDir();
    const first = await portal(dataDir, {}, clock);
    const secretFile = path.join(dataDir, PORTAL_SECRET_FILE);
    const dbFile = path.join(dataDir, 'portal.sqlite');
    const secret = fs.readFileSync(secretFile, 'utf8').trim();
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(modeOf(dataDir)).toBe(0o700);
    expect(modeOf(secretFile)).toBe(0o600);
    for (const file of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) expect([file, modeOf(file)]).toEqual([file, 0o600]);

    const username = await addPerson(first.deps.db);
    const { code } = await issueVerificationCode({ ...passwordDepsOf(first.deps), roleGroups: first.deps.config.roleGroups }, username, { username: 'helpdesk-test', roles: ['employee', 'helpdesk'] });
    const backup = path.join(dataDir, 'backups', 'copy.sqlite');
    await backupSqlite(dbFile, backup);
    expect(modeOf(path.dirname(backup))).toBe(0o700);
    expect(modeOf(backup)).toBe(0o600);
    await first.close();

    // A restart finds the same secret and does not replace it.
    const again = await portal(dataDir, {}, clock);
    expect(fs.readFileSync(secretFile, 'utf8').trim()).toBe(secret);
    await again.close();

    // The backup restored elsewhere: without the secret (a new one is generated there) the code is refused...
    const thiefDir = newDataDir();
    restoreSqlite(backup, path.join(thiefDir, 'portal.sqlite'));
    expect(modeOf(path.join(thiefDir, 'portal.sqlite'))).toBe(0o600);
    const thief = await portal(thiefDir, {}, clock);
    expect(fs.readFileSync(path.join(thiefDir, PORTAL_SECRET_FILE), 'utf8').trim()).not.toBe(secret);
    expect(await tryVerify(thief, username, { method: 'helpdesk_code', code })).toBe(400);
    await thief.close();
    // ...and with the secret kept apart from it (a real restore), it is accepted.
    const ownerDir = newDataDir();
    restoreSqlite(backup, path.join(ownerDir, 'portal.sqlite'));
    const owner = await portal(ownerDir, { PORTAL_SECRET: secret }, clock);
    expect(await tryVerify(owner, username, { method: 'helpdesk_code', code })).toBe(200);
    await owner.close();
  });

  it('tightens a data directory, database and secret file that an earlier version left readable', async () => {
    const dataDir = newDataDir();
    fs.mkdirSync(dataDir, { mode: 0o755 });
    fs.chmodSync(dataDir, 0o755);
    const dbFile = path.join(dataDir, 'portal.sqlite');
    const old = new SQLite(dbFile);
    old.pragma('journal_mode = WAL');
    old.close();
    fs.chmodSync(dbFile, 0o644);
    const secretFile = path.join(dataDir, PORTAL_SECRET_FILE);
    fs.writeFileSync(secretFile, `${newSecret()}\n`, { mode: 0o644 });
    fs.chmodSync(secretFile, 0o644);

    const p = await portal(dataDir, {}, new ManualClock());
    expect(modeOf(dataDir)).toBe(0o700);
    expect(modeOf(secretFile)).toBe(0o600);
    for (const file of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) expect([file, modeOf(file)]).toEqual([file, 0o600]);
    await p.close();
  });

  it('refuses to start on a secret file that holds no usable secret, instead of replacing it', async () => {
    const dataDir = newDataDir();
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(path.join(dataDir, PORTAL_SECRET_FILE), 'short\n', { mode: 0o600 });
    await expect(portal(dataDir, {}, new ManualClock())).rejects.toThrow(/does not hold a usable portal secret/);
    expect(fs.readFileSync(path.join(dataDir, PORTAL_SECRET_FILE), 'utf8')).toBe('short\n');
  });
});
