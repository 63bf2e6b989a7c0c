import type { JobQueue } from '../../jobs/queue.js';
import { type OnboardingDeps, runActivate, runClose, runProvision, runSummary, runUpdate } from './service.js';

/**
 * Onboarding's jobs. A directory outage (DirectoryUnavailableError) fails the attempt and the queue
 * retries with backoff; every handler re-reads the hire and is safe to run again.
 */
export function registerOnboardingJobs(queue: JobQueue, deps: OnboardingDeps): void {
  queue.register('onboarding.provision', ({ hireId }) => runProvision(deps, hireId));
  queue.register('onboarding.activate', ({ hireId, version }) => runActivate(deps, hireId, version));
  queue.register('onboarding.summary', ({ hireId, version }) => runSummary(deps, hireId, version));
  queue.register('onboarding.update', ({ hireId }) => runUpdate(deps, hireId));
  queue.register('onboarding.close', ({ hireId }) => runClose(deps, hireId));
}
