import { z } from 'zod';

/** How a forgotten password may be reset, set by an admin. */
export const resetPolicySchema = z.strictObject({
  /** How many different verification methods a reset or unlock needs (help-desk codes count as one). */
  requiredMethods: z.number().int().min(1).max(3),
  /**
   * Send reset codes to the directory's work address when no recovery email is confirmed. On by
   * default; turn off where work mail is reachable from outside and could be the attacker's way in.
   */
  workEmailFallback: z.boolean(),
});
export type ResetPolicy = z.infer<typeof resetPolicySchema>;

export const DEFAULT_RESET_POLICY: ResetPolicy = { requiredMethods: 1, workEmailFallback: true };
