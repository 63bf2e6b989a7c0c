import { z } from 'zod';

export const JOB_STATES = ['queued', 'running', 'done', 'failed'] as const;
export type JobStateName = (typeof JOB_STATES)[number];

/** `GET /api/admin/jobs?state=failed&limit=` */
export const jobsQuerySchema = z.strictObject({
  state: z.enum(JOB_STATES).default('failed'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** A job id in a path parameter. */
export const jobIdParamSchema = z.strictObject({
  id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
});

/** A job as the admin page shows it (no payload: it may hold a code or a personal address). */
export interface JobView {
  id: number;
  kind: string;
  state: JobStateName;
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  /** ISO 8601: when it runs next (queued), or last ran. */
  runAt: string;
  createdAt: string;
  /** ISO 8601 when it finished (done or failed). */
  finishedAt: string | null;
}

export type JobCounts = Record<JobStateName, number>;
