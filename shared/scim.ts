import { z } from 'zod';

/**
 * The admin API for SCIM bearer tokens (POST/GET /api/admin/scim-tokens, DELETE …/{id}), shared by
 * the server's validation and the admin screen's form.
 */

/** A token's name says which system holds it ("Okta", "Entra ID – production"), for the audit trail. */
export const scimTokenNameSchema = z
  .string({ error: 'Give the token a name.' })
  .trim()
  .min(1, 'Give the token a name.')
  .max(100, 'Use at most 100 characters.')
  // Control characters would hide in the audit trail and the list.
  .refine((name) => !/[\u0000-\u001f\u007f]/.test(name), 'Use letters, digits, spaces and punctuation only.');

export const createScimTokenSchema = z.object({ name: scimTokenNameSchema }).strict();
export type CreateScimToken = z.infer<typeof createScimTokenSchema>;

export const scimTokenIdParamSchema = z.object({ id: z.uuid('Not a token id.') });

/** A token as the list shows it: never the secret, which is shown once, when created. */
export interface ScimTokenSummary {
  id: string;
  name: string;
  createdBy: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** The answer to a create: the only time the token itself is ever shown. */
export interface CreatedScimToken extends ScimTokenSummary {
  token: string;
}

/** Where SCIM clients connect, relative to the portal's public address. */
export const SCIM_BASE_PATH = '/scim/v2';
