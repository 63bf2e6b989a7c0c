import { AsyncLocalStorage } from 'node:async_hooks';

/** Where the current request comes from, for records that must say "from where" (the audit trail). */
export interface RequestScope {
  ip: string | null;
  userAgent: string | null;
}

const storage = new AsyncLocalStorage<RequestScope>();

/** Runs the rest of a request inside its scope. */
export function runInRequestScope<T>(scope: RequestScope, work: () => Promise<T>): Promise<T> {
  return storage.run(scope, work);
}

/** The scope of the request being handled, or undefined outside one (jobs, CLI). */
export function currentRequestScope(): RequestScope | undefined {
  return storage.getStore();
}
