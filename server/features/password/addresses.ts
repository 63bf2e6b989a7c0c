import type { Kysely } from 'kysely';
import type { ResetPolicy } from '../../../shared/settings.js';
import type { Database } from '../../db/schema.js';
import type { DirectoryUser } from '../../directory/port.js';
import { findRecoveryEmail } from '../recovery/repository.js';

export interface PersonAddresses {
  /** Where one-time codes go: the confirmed recovery address, else (if allowed) the work address. */
  forCodes: string[];
  /** Who hears about a reset, change or unlock: every address we know. */
  forNotices: string[];
}

/** Addresses always come from the directory and the recovery profile, never from the request. */
export async function addressesOf(db: Kysely<Database>, user: DirectoryUser, policy: ResetPolicy): Promise<PersonAddresses> {
  const recovery = await findRecoveryEmail(db, user.username);
  const confirmed = recovery?.confirmed_at != null ? recovery.email : null;
  const work = user.email || null;
  const forCodes = confirmed ? [confirmed] : policy.workEmailFallback && work ? [work] : [];
  const forNotices = [...new Set([work, confirmed].filter((a): a is string => Boolean(a)).map((a) => a.trim()))];
  return { forCodes, forNotices };
}
