import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { chunks } from '../../db/chunks.js';

type Db = Kysely<Database>;

/** A person's SCIM identity: the stable id, and what the client said about them that the directory does not keep. */
export interface ScimUserLink {
  id: string;
  username: string;
  externalId: string | null;
  createdAt: number;
  updatedAt: number;
  deprovisionedAt: number | null;
}

type UserRow = { id: string; username: string; external_id: string | null; created_at: number; updated_at: number; deprovisioned_at: number | null };
const link = (row: UserRow): ScimUserLink => ({
  id: row.id,
  username: row.username,
  externalId: row.external_id,
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
  deprovisionedAt: row.deprovisioned_at === null ? null : Number(row.deprovisioned_at),
});

const userColumns = ['id', 'username', 'external_id', 'created_at', 'updated_at', 'deprovisioned_at'] as const;

/** Usernames are matched without case, as the directories do; the link keeps them lower-case. */
const key = (username: string) => username.toLowerCase();

export async function findUserLinkById(db: Db, id: string): Promise<ScimUserLink | null> {
  const row = await db.selectFrom('scim_users').select(userColumns).where('id', '=', id).executeTakeFirst();
  return row ? link(row) : null;
}

export async function findUserLinksByExternalId(db: Db, externalId: string): Promise<ScimUserLink[]> {
  const rows = await db.selectFrom('scim_users').select(userColumns).where('external_id', '=', externalId).execute();
  return rows.map(link);
}

export async function findUserLinksByUsernames(db: Db, usernames: readonly string[]): Promise<Map<string, ScimUserLink>> {
  const found = new Map<string, ScimUserLink>();
  const keys = [...new Set(usernames.map(key))];
  // In slices: PostgreSQL and SQLite cap the parameters of one statement.
  for (const part of chunks(keys, 500)) {
    const rows = await db.selectFrom('scim_users').select(userColumns).where('username', 'in', part).execute();
    for (const row of rows) found.set(row.username, link(row));
  }
  return found;
}

/**
 * The links of these people, made for those seen for the first time. Two requests making the same
 * link race on the unique username: the loser's insert does nothing and it reads the winner's.
 */
export async function ensureUserLinks(db: Db, usernames: readonly string[], now: number): Promise<Map<string, ScimUserLink>> {
  const found = await findUserLinksByUsernames(db, usernames);
  const missing = [...new Set(usernames.map(key))].filter((u) => !found.has(u));
  if (missing.length === 0) return found;
  for (const part of chunks(missing, 200)) {
    await db
      .insertInto('scim_users')
      .values(part.map((username) => ({ id: randomUUID(), username, external_id: null, created_at: now, updated_at: now })))
      .onConflict((oc) => oc.column('username').doNothing())
      .execute();
  }
  for (const [username, value] of await findUserLinksByUsernames(db, missing)) found.set(username, value);
  return found;
}

/** Records what a SCIM write said about a person (externalId) and when; clears a deprovisioning on re-provision. */
export async function saveUserLink(
  db: Db,
  input: { username: string; externalId: string | null; now: number; deprovisioned?: boolean },
): Promise<ScimUserLink> {
  const username = key(input.username);
  const deprovisionedAt = input.deprovisioned ? input.now : null;
  await db
    .insertInto('scim_users')
    .values({ id: randomUUID(), username, external_id: input.externalId, created_at: input.now, updated_at: input.now, deprovisioned_at: deprovisionedAt })
    .onConflict((oc) =>
      oc.column('username').doUpdateSet({ external_id: input.externalId, updated_at: input.now, deprovisioned_at: deprovisionedAt }),
    )
    .execute();
  const row = await db.selectFrom('scim_users').select(userColumns).where('username', '=', username).executeTakeFirstOrThrow();
  return link(row);
}

/** Links of hires whose client asked for this userName (onboarding chose another). */
export async function findUserLinksByRequestedName(db: Db, userName: string): Promise<ScimUserLink[]> {
  const rows = await db.selectFrom('scim_users').select(userColumns).where('requested_user_name', '=', key(userName)).execute();
  return rows.map(link);
}

/** Remembers that a client asked for `requested` and got `username` (a hire named by the username pattern). */
export async function rememberRequestedName(db: Db, username: string, requested: string): Promise<void> {
  await db.updateTable('scim_users').set({ requested_user_name: key(requested) }).where('username', '=', key(username)).execute();
}

export async function markDeprovisioned(db: Db, id: string, now: number): Promise<void> {
  await db.updateTable('scim_users').set({ deprovisioned_at: now, updated_at: now }).where('id', '=', id).execute();
}

export async function touchUserLink(db: Db, id: string, now: number): Promise<void> {
  await db.updateTable('scim_users').set({ updated_at: now }).where('id', '=', id).execute();
}

/** Usernames SCIM deprovisioned: they stay in the directory (disabled) but no longer show on /Users. */
export async function deprovisionedUsernames(db: Db): Promise<Set<string>> {
  const rows = await db.selectFrom('scim_users').select('username').where('deprovisioned_at', 'is not', null).execute();
  return new Set(rows.map((r) => r.username));
}

// Groups -------------------------------------------------------------------------------------

export interface ScimGroupLink {
  id: string;
  name: string;
  externalId: string | null;
  createdAt: number;
}

type GroupRow = { id: string; name: string; external_id: string | null; created_at: number };
const groupLink = (row: GroupRow): ScimGroupLink => ({ id: row.id, name: row.name, externalId: row.external_id, createdAt: Number(row.created_at) });

/** Group names keep their case (LDAP cn); the same name in another case is the same group. */
export async function ensureGroupLinks(db: Db, names: readonly string[], now: number): Promise<Map<string, ScimGroupLink>> {
  const wanted = [...new Set(names)];
  const read = async (list: string[]) => {
    const out = new Map<string, ScimGroupLink>();
    for (const part of chunks(list, 500)) {
      const rows = await db.selectFrom('scim_groups').select(['id', 'name', 'external_id', 'created_at']).where('name', 'in', part).execute();
      for (const row of rows) out.set(row.name, groupLink(row));
    }
    return out;
  };
  const found = await read(wanted);
  const missing = wanted.filter((n) => !found.has(n));
  if (missing.length) {
    for (const part of chunks(missing, 200)) {
      await db
        .insertInto('scim_groups')
        .values(part.map((name) => ({ id: randomUUID(), name, external_id: null, created_at: now })))
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
    }
    for (const [name, value] of await read(missing)) found.set(name, value);
  }
  return found;
}

export async function findGroupLinkById(db: Db, id: string): Promise<ScimGroupLink | null> {
  const row = await db.selectFrom('scim_groups').select(['id', 'name', 'external_id', 'created_at']).where('id', '=', id).executeTakeFirst();
  return row ? groupLink(row) : null;
}
