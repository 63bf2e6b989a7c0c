import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { countDirectoryUsers, insertDirectoryUser } from '../directory/builtin-repository.js';
import { hashPassword } from '../platform/secrets.js';
import { DEMO_PASSWORD, DEMO_PEOPLE, demoEmail } from './company.js';

/**
 * Loads the demo company into the built-in directory, in one transaction.
 * Returns false (and changes nothing) when the directory already has people.
 */
export async function seedDemoDirectory(db: Kysely<Database>, now = Date.now()): Promise<boolean> {
  if ((await countDirectoryUsers(db)) > 0) return false;
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  await db.transaction().execute(async (trx) => {
    for (const person of DEMO_PEOPLE) {
      const email = demoEmail(person.username);
      await insertDirectoryUser(
        trx,
        {
          username: person.username,
          display_name: person.displayName,
          given_name: person.givenName,
          family_name: person.familyName,
          employee_number: person.employeeNumber,
          email,
          email_lower: email.toLowerCase(),
          department: person.department,
          title: person.title,
          manager: person.manager,
          password_hash: passwordHash,
          created_at: now,
          updated_at: now,
        },
        person.groups,
      );
    }
  });
  return true;
}
