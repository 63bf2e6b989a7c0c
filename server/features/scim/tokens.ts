import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { CreatedScimToken, ScimTokenSummary } from '../../../shared/scim.js';
import type { AuditTrail } from '../../audit/audit.js';
import type { Database } from '../../db/schema.js';
import { withTransaction } from '../../db/transaction.js';
import { errors } from '../../errors.js';
import type { Clock } from '../../platform/clock.js';
import type { PortalKeys } from '../../platform/keys.js';
import { constantTimeEqual, randomToken } from '../../platform/secrets.js';
import {
  findLiveScimTokenByHash,
  findScimTokenRow,
  insertScimToken,
  listScimTokenRows,
  revokeScimTokenRow,
  touchScimToken,
} from './token-repository.js';

/**
 * SCIM bearer tokens: an admin creates one per SCIM client (Okta, Entra, an HR system), names it
 * and can revoke it. The token is shown once; only its keyed hash (HMAC under a key derived from
 * the portal secret) is stored, so the database alone authenticates nobody.
 */
export interface ScimTokenDeps {
  db: Kysely<Database>;
  clock: Clock;
  keys: PortalKeys;
  audit: AuditTrail;
}

/** Tokens start with this so secret scanners and people recognise them. */
const TOKEN_PREFIX = 'scim_';
/** last_used_at is a hint for the admin, not a log: written at most this often per token. */
const TOUCH_EVERY_MS = 60_000;

function tokenHash(keys: PortalKeys, token: string): string {
  return keys.mac('scimTokens', token);
}

type Row = Awaited<ReturnType<typeof listScimTokenRows>>[number];
function summary(row: Row): ScimTokenSummary {
  return {
    id: row.id,
    name: row.name,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}

export async function createScimToken(deps: ScimTokenDeps, name: string, admin: string): Promise<CreatedScimToken> {
  const token = TOKEN_PREFIX + randomToken(32);
  const id = randomUUID();
  const now = deps.clock.now();
  await withTransaction(deps.db, async (trx) => {
    await insertScimToken(trx, { id, name, tokenHash: tokenHash(deps.keys, token), createdBy: admin, now });
    await deps.audit.record({ action: 'scim.token_created', actor: admin, result: 'success', details: { tokenId: id, name } }, trx);
  });
  return { id, name, createdBy: admin, createdAt: now, lastUsedAt: null, revokedAt: null, token };
}

export async function listScimTokens(db: Kysely<Database>): Promise<ScimTokenSummary[]> {
  return (await listScimTokenRows(db)).map(summary);
}

/** Revokes a token at once: the next SCIM request with it is refused. Revoking twice is not an error. */
export async function revokeScimToken(deps: ScimTokenDeps, id: string, admin: string): Promise<ScimTokenSummary> {
  return withTransaction(deps.db, async (trx) => {
    const row = await findScimTokenRow(trx, id);
    if (!row) throw errors.notFound('This SCIM token');
    const now = deps.clock.now();
    if (await revokeScimTokenRow(trx, id, now)) {
      await deps.audit.record({ action: 'scim.token_revoked', actor: admin, result: 'success', details: { tokenId: id, name: row.name } }, trx);
      return summary({ ...row, revoked_at: now });
    }
    return summary(row);
  });
}

/** Who a bearer token is, or null for a wrong, malformed or revoked one. */
export async function authenticateScimToken(deps: ScimTokenDeps, token: string): Promise<{ id: string; name: string; createdBy: string } | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  const wanted = tokenHash(deps.keys, token);
  // The look-up is by keyed hash, so its timing says nothing about the token; the comparison
  // repeats it in constant time so a collation quirk of the database cannot match a near miss.
  const row = await findLiveScimTokenByHash(deps.db, wanted);
  if (!row || !constantTimeEqual(row.token_hash, wanted)) return null;
  const now = deps.clock.now();
  if (row.last_used_at === null || now - Number(row.last_used_at) >= TOUCH_EVERY_MS) await touchScimToken(deps.db, row.id, now);
  return { id: row.id, name: row.name, createdBy: row.created_by };
}
