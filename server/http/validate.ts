import { zValidator } from '@hono/zod-validator';
import type { ValidationTargets } from 'hono';
import type { ZodType } from 'zod';
import { errors } from '../errors.js';

/**
 * Validates a request part against a shared zod schema. A failure becomes a 400
 * `validation_failed` with one message per field; the route never runs, so nothing is written.
 */
export function validate<Target extends keyof ValidationTargets, Schema extends ZodType>(target: Target, schema: Schema) {
  return zValidator(target, schema, (result) => {
    if (!result.success) {
      const fields: Record<string, string> = {};
      for (const issue of result.error.issues) {
        const key = issue.path.length ? issue.path.join('.') : '_';
        fields[key] ??= issue.message;
      }
      throw errors.validationFailed(fields);
    }
  });
}
