import type { Kysely } from 'kysely';

// One-time secrets are now stored as keyed hashes (HMAC under the portal secret) instead of plain
// SHA-256. A migration does not know the portal secret, so the outstanding ones cannot be
// re-hashed: they are voided (codes live minutes; people ask for a new one). Authenticator
// secrets in clear are sealed at start-up by the composition root (features/recovery/totp.ts).

export async function up(db: Kysely<any>): Promise<void> {
  await db.updateTable('one_time_secrets').set({ consumed_at: Date.now() }).where('consumed_at', 'is', null).execute();
}

export async function down(): Promise<void> {
  // Nothing to undo: voided codes stay voided.
}
