import type { Kysely } from 'kysely';
import { DEFAULT_RESET_POLICY, type ResetPolicy, resetPolicySchema } from '../../../shared/settings.js';
import type { Database } from '../../db/schema.js';
import { readSetting, writeSetting } from './repository.js';

const RESET_POLICY_KEY = 'password-reset-policy';

/** The admin's reset policy, or the defaults when none was saved (or the saved one no longer parses). */
export async function getResetPolicy(db: Kysely<Database>): Promise<ResetPolicy> {
  const raw = await readSetting(db, RESET_POLICY_KEY);
  if (!raw) return DEFAULT_RESET_POLICY;
  const parsed = resetPolicySchema.safeParse(JSON.parse(raw));
  return parsed.success ? parsed.data : DEFAULT_RESET_POLICY;
}

export async function saveResetPolicy(db: Kysely<Database>, policy: ResetPolicy, now: number, by: string): Promise<void> {
  await writeSetting(db, RESET_POLICY_KEY, JSON.stringify(policy), now, by);
}
