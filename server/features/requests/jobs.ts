import type { JobQueue } from '../../jobs/queue.js';
import { runSla, type RequestsDeps } from './service.js';

/** The SLA jobs of approval steps (enqueued when a step opens; see service.ts). */
export function registerRequestJobs(queue: JobQueue, deps: RequestsDeps): void {
  queue.register('requests.sla', async ({ stepId, phase }) => runSla(deps, stepId, phase));
}
