/**
 * How many ready recovery methods we recommend; the same number as RECOMMENDED_READY_METHODS in
 * shared/recovery.ts, written out because that module also carries zod schemas, which stay out
 * of the browser bundle (tests/unit/web-password.test.ts keeps the two equal).
 */
export const RECOMMENDED_READY_METHODS = 2;
