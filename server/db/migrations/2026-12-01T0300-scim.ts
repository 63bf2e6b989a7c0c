import type { Kysely } from 'kysely';

// SCIM 2.0 provisioning (server/features/scim/).
// scim_tokens: bearer tokens an admin creates for an HR system or identity provider. Only a keyed
// hash of the token is stored (HMAC under the portal secret), so a stolen database or backup gives
// no working token.
// scim_users / scim_groups: SCIM ids must never change, while the directory knows people by
// username and groups by name; each is given a random id the first time SCIM sees it.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('scim_tokens')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('created_by', 'varchar(256)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();

  await db.schema
    .createTable('scim_users')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('username', 'varchar(256)', (c) => c.notNull().unique())
    // The client's own id for the person (Okta's or Entra's), echoed back and filterable.
    .addColumn('external_id', 'varchar(256)')
    // The userName a client asked for when onboarding chose another (its username pattern), lower-case:
    // found by `userName eq`, so the client's next sync does not create the hire twice.
    .addColumn('requested_user_name', 'varchar(256)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    // Set by a SCIM DELETE: the account stays in the directory, disabled, and SCIM no longer shows it.
    .addColumn('deprovisioned_at', 'bigint')
    .execute();
  await db.schema.createIndex('scim_users_external_id').on('scim_users').column('external_id').execute();
  await db.schema.createIndex('scim_users_requested_user_name').on('scim_users').column('requested_user_name').execute();

  await db.schema
    .createTable('scim_groups')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(256)', (c) => c.notNull().unique())
    .addColumn('external_id', 'varchar(256)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('scim_groups').execute();
  await db.schema.dropTable('scim_users').execute();
  await db.schema.dropTable('scim_tokens').execute();
}
