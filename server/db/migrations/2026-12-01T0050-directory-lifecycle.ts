import type { Kysely } from 'kysely';

// The built-in directory keeps what HR and SCIM give for a new account besides the display name:
// first and last name and the employee number. Null for people added before.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('directory_users').addColumn('given_name', 'varchar(256)').execute();
  await db.schema.alterTable('directory_users').addColumn('family_name', 'varchar(256)').execute();
  await db.schema.alterTable('directory_users').addColumn('employee_number', 'varchar(256)').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('directory_users').dropColumn('employee_number').execute();
  await db.schema.alterTable('directory_users').dropColumn('family_name').execute();
  await db.schema.alterTable('directory_users').dropColumn('given_name').execute();
}
