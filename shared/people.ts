import { z } from 'zod';

/** A person as staff screens show them (no groups, no account state). */
export const directoryPersonSchema = z.object({
  username: z.string(),
  displayName: z.string(),
  email: z.string(),
  department: z.string().nullable(),
  title: z.string().nullable(),
  manager: z.string().nullable(),
});
export type DirectoryPerson = z.infer<typeof directoryPersonSchema>;

/** `GET /api/directory/users?query=` — find people by name, username or mail. */
export const userSearchQuerySchema = z.strictObject({
  query: z.string().trim().min(2, 'Type at least two characters.').max(100),
});

/** A username in a path parameter. */
export const usernameParamSchema = z.strictObject({
  username: z.string().min(1).max(256),
});

/** `GET /api/admin/audit?limit=` */
export const auditQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  actor: z.string().min(1).max(256).optional(),
  action: z.string().min(1).max(128).optional(),
});

export interface AuditEventView {
  id: number;
  /** ISO 8601 time. */
  at: string;
  actor: string | null;
  subject: string | null;
  action: string;
  result: 'success' | 'failure' | 'denied';
  ip: string | null;
  /** The staff member whose code or reset link the action relied on ("on behalf of"), if any. */
  onBehalfOf: string | null;
}
