import type { z } from 'zod';

/**
 * Checks a form with the same schema the server validates with (shared/onboarding.ts) before
 * sending: field → message in the reader's language (`onboarding.problems.<field>`), or the
 * schema's own sentence for a field without one.
 */
export function problemsOf(schema: z.ZodType, input: unknown, t: (key: string) => string, te: (key: string) => boolean): Record<string, string> {
  const parsed = schema.safeParse(input);
  const problems: Record<string, string> = {};
  if (parsed.success) return problems;
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? '');
    if (!field || problems[field]) continue;
    problems[field] = te(`onboarding.problems.${field}`) ? t(`onboarding.problems.${field}`) : issue.message;
  }
  return problems;
}

/** The server's field errors in the same words as the form's own check. */
export function translatedFields(fields: Record<string, string>, t: (key: string) => string, te: (key: string) => boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, message] of Object.entries(fields)) {
    const field = path.split('.')[0]!;
    out[field] = te(`onboarding.problems.${field}`) ? t(`onboarding.problems.${field}`) : message;
  }
  return out;
}

/** Empty optional text as "not given", the way the schemas expect it. */
export function withoutEmpty<T extends Record<string, unknown>>(input: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [key, value] of Object.entries(input) as Array<[keyof T, T[keyof T]]>) if (value !== '' && value !== null) out[key] = value;
  return out;
}
