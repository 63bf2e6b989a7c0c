import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CODE_MAX_ATTEMPTS,
  consumeLinkToken,
  issueCode,
  issueLinkToken,
  type OneTimeSecretDeps,
  rememberChallenge,
  takeChallenge,
  TTL,
  verifyCode,
  voidSecretsOf,
} from '../../server/one-time-secrets/service.js';
import { ManualClock } from '../harness/clock.js';
import { PortalKeys } from '../../server/platform/keys.js';
import { uniqueName } from '../directory/fixtures.js';
import { availableDialects, openTestDatabase } from '../harness/db.js';

describe.each(availableDialects())('one-time secrets on %s', (dialect) => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let deps: OneTimeSecretDeps;
  const clock = new ManualClock();
  beforeAll(async () => {
    database = await openTestDatabase(dialect);
    deps = { db: database.db, clock, keys: new PortalKeys(randomBytes(32)) };
  });
  afterAll(() => database.close());

  it('accepts a code once, typed with spaces or dashes, and only for its person and purpose', async () => {
    const [person, other] = [uniqueName('temp'), uniqueName('temp')];
    const { secret: code, expiresAt } = await issueCode(deps, { purpose: 'helpdesk_code', username: person });
    expect(code).toMatch(/^\d{8}$/);
    expect(expiresAt).toBe(clock.now() + TTL.helpdesk_code);
    expect((await verifyCode(deps, { purpose: 'helpdesk_code', username: other, code })).ok).toBe(false);
    expect((await verifyCode(deps, { purpose: 'email_code', username: person, code })).ok).toBe(false);
    expect((await verifyCode(deps, { purpose: 'helpdesk_code', username: person, code: `${code.slice(0, 4)}-${code.slice(4)}` })).ok).toBe(true);
    expect((await verifyCode(deps, { purpose: 'helpdesk_code', username: person, code })).ok).toBe(false);
  });

  it('stores a keyed hash, not the plain SHA-256 of the code that 10^8 guesses would find', async () => {
    const person = uniqueName('temp');
    const { secret: code } = await issueCode(deps, { purpose: 'email_confirm', username: person });
    const row = await database.db
      .selectFrom('one_time_secrets')
      .select('secret_hash')
      .where('username', '=', person)
      .executeTakeFirstOrThrow();
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    expect(row.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    for (const guess of [code, `email_confirm\u0000${person}\u0000${code}`]) expect(row.secret_hash).not.toBe(sha(guess));
  });

  it(`lets a code survive only ${CODE_MAX_ATTEMPTS} wrong guesses`, async () => {
    const person = uniqueName('temp');
    const { secret: code } = await issueCode(deps, { purpose: 'email_code', username: person, flowIdHash: 'f'.repeat(64) });
    const wrong = code === '00000000' ? '11111111' : '00000000';
    for (let i = 0; i < CODE_MAX_ATTEMPTS; i++) {
      expect((await verifyCode(deps, { purpose: 'email_code', username: person, code: wrong, flowIdHash: 'f'.repeat(64) })).ok).toBe(false);
    }
    expect((await verifyCode(deps, { purpose: 'email_code', username: person, code, flowIdHash: 'f'.repeat(64) })).ok).toBe(false);
  });

  it('binds a code to its flow when issued for one', async () => {
    const person = uniqueName('temp');
    const { secret: code } = await issueCode(deps, { purpose: 'email_code', username: person, flowIdHash: 'a'.repeat(64) });
    expect((await verifyCode(deps, { purpose: 'email_code', username: person, code, flowIdHash: 'b'.repeat(64) })).ok).toBe(false);
    expect((await verifyCode(deps, { purpose: 'email_code', username: person, code, flowIdHash: 'a'.repeat(64) })).ok).toBe(true);
  });

  it('consumes a code exactly once when 20 requests race with it', async () => {
    const person = uniqueName('temp');
    const { secret: code } = await issueCode(deps, { purpose: 'helpdesk_code', username: person });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => verifyCode(deps, { purpose: 'helpdesk_code', username: person, code })),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
  });

  it('checks expiry when the secret is used', async () => {
    const person = uniqueName('temp');
    const { secret: code } = await issueCode(deps, { purpose: 'helpdesk_code', username: person });
    const { secret: token } = await issueLinkToken(deps, { username: person });
    clock.advance(TTL.helpdesk_code);
    expect((await verifyCode(deps, { purpose: 'helpdesk_code', username: person, code })).ok).toBe(false);
    expect(await consumeLinkToken(deps, token)).toMatchObject({ username: person }); // links live 30 minutes
  });

  it('voids a person’s secrets of some purposes, or all of them', async () => {
    const person = uniqueName('temp');
    const helpdesk = await issueCode(deps, { purpose: 'helpdesk_code', username: person });
    const confirm = await issueCode(deps, { purpose: 'email_confirm', username: person });
    const link = await issueLinkToken(deps, { username: person, createdBy: 'hana' });
    await rememberChallenge(deps, { username: person, challenge: 'challenge-1', flowIdHash: null });
    await voidSecretsOf(deps, person, ['helpdesk_code']);
    expect((await verifyCode(deps, { purpose: 'helpdesk_code', username: person, code: helpdesk.secret })).ok).toBe(false);
    expect((await verifyCode(deps, { purpose: 'email_confirm', username: person, code: confirm.secret })).ok).toBe(true);
    await voidSecretsOf(deps, person);
    expect(await consumeLinkToken(deps, link.secret)).toBeNull();
    expect(await takeChallenge(deps, { username: person, challenge: 'challenge-1' })).toBe(false);
  });

  it('takes a WebAuthn challenge once, only for its person and flow', async () => {
    const person = uniqueName('temp');
    await rememberChallenge(deps, { username: person, challenge: 'abc-DEF_123', flowIdHash: 'c'.repeat(64) });
    expect(await takeChallenge(deps, { username: person, challenge: 'abcDEF_123', flowIdHash: 'c'.repeat(64) })).toBe(false);
    expect(await takeChallenge(deps, { username: uniqueName('temp'), challenge: 'abc-DEF_123' })).toBe(false);
    expect(await takeChallenge(deps, { username: person, challenge: 'abc-DEF_123', flowIdHash: 'd'.repeat(64) })).toBe(false);
    expect(await takeChallenge(deps, { username: person, challenge: 'abc-DEF_123', flowIdHash: 'c'.repeat(64) })).toBe(true);
    expect(await takeChallenge(deps, { username: person, challenge: 'abc-DEF_123', flowIdHash: 'c'.repeat(64) })).toBe(false);
  });
});
