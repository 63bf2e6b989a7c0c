import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../server/demo/company.js';
import { seedDemoDirectory } from '../../server/demo/seed.js';
import type { DirectoryUserUpdate } from '../../server/db/schema.js';
import { DEFAULT_ROLE_GROUPS } from '../../server/directory/roles.js';
import { hashPassword } from '../../server/platform/secrets.js';
import { availableDialects, openTestDatabase } from '../harness/db.js';
import { addThrowawayPerson, assertDemoPeopleUnchanged, demoPeopleChanges } from '../harness/people.js';

/**
 * The check every test app and end-to-end server runs when it closes: it must see each way a test
 * could leave a demo person changed for the tests after it, and nothing else.
 */
describe.each(availableDialects())('the demo-people check on %s', (dialect) => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  async function seeded() {
    const database = await openTestDatabase(dialect);
    close = () => database.close();
    await seedDemoDirectory(database.db);
    return database.db;
  }

  it('passes the demo company as seeded, with throwaway people changed around it', async () => {
    const db = await seeded();
    const helper = await addThrowawayPerson({ db, config: { roleGroups: DEFAULT_ROLE_GROUPS } }, { role: 'helpdesk', manager: 'adam' });
    await db
      .updateTable('directory_users')
      .set({ disabled: 1, failed_attempts: 3, locked_at: 1 })
      .where('username', '=', helper.username)
      .execute();
    await db
      .insertInto('recovery_emails')
      .values({ username: helper.username, email: 'x@example.net', confirmed_at: 1, created_at: 1 })
      .execute();
    expect(await db.selectFrom('directory_group_members').select('group_name').where('username', '=', helper.username).execute()).toEqual([
      { group_name: 'portal-helpdesk' },
    ]);
    expect(
      (await db.selectFrom('directory_users').select('manager').where('username', '=', helper.username).executeTakeFirstOrThrow()).manager,
    ).toBe('adam');
    expect(await demoPeopleChanges(db)).toEqual([]);
    await expect(assertDemoPeopleUnchanged(db)).resolves.toBeUndefined();
  });

  it('has nothing to say about a database without the demo company', async () => {
    const database = await openTestDatabase(dialect);
    close = () => database.close();
    expect(await demoPeopleChanges(database.db)).toEqual([]);
  });

  it('names every kind of change a later test could notice', async () => {
    const db = await seeded();
    const set = (username: string, changes: DirectoryUserUpdate) =>
      db.updateTable('directory_users').set(changes).where('username', '=', username).execute();
    await set('alice', { password_hash: await hashPassword('another password 1'), password_changed_at: 5 });
    await set('bob', { password_hash: await hashPassword(DEMO_PASSWORD), password_changed_at: 5 });
    await set('mark', { locked_at: 5, failed_attempts: 5 });
    await set('ruth', { disabled: 1, display_name: 'Ruth R.' });
    await db.deleteFrom('directory_group_members').where('username', '=', 'hana').where('group_name', '=', 'portal-helpdesk').execute();
    await db
      .insertInto('totp_factors')
      .values({ username: 'adam', secret: 'JBSWY3DPEHPK3PXP', confirmed_at: null, last_step: null, created_at: 1 })
      .execute();
    await db.insertInto('recovery_failures').values({ username: 'adam', scope: '*', consecutive: 1, updated_at: 1 }).execute();
    expect(await demoPeopleChanges(db)).toEqual([
      'adam: has rows in recovery_failures',
      'adam: has rows in totp_factors',
      'alice: password changed',
      'bob: password changed (and set back)',
      'hana: groups changed to [staff]',
      'mark: 5 failed sign-in(s) counted',
      'mark: locked',
      'ruth: disabled',
      'ruth: name changed to Ruth R.',
    ]);
    await expect(assertDemoPeopleUnchanged(db)).rejects.toThrow(/changed the shared demo people[\s\S]*alice: password changed/);
  });
});
