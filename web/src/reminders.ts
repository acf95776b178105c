/**
 * `POST /v1/jobs/{job_id}/blasts/{blast_id}/reminders`: one new Idempotency-Key per user action,
 * the same key on its retries (network errors, 503), so a retry answers the same reminder and
 * never sends a second.
 */
import { call, toApiError, type Api } from './api';
import type { ReminderCreated } from './api-types';
import { newIdempotencyKey } from './exports';

const MAX_ATTEMPTS = 3;

export type Until = 'viewed' | 'downloaded';

export async function sendReminder(
  api: Api,
  jobId: string,
  blastId: string,
  until: Until = 'viewed',
  options: { key?: string; sleep?: (ms: number) => Promise<void> } = {},
): Promise<ReminderCreated> {
  const key = options.key ?? newIdempotencyKey();
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(
        api.POST('/v1/jobs/{job_id}/blasts/{blast_id}/reminders', {
          params: { path: { job_id: jobId, blast_id: blastId }, header: { 'Idempotency-Key': key } },
          body: { until },
        }),
      );
    } catch (cause) {
      const error = toApiError(cause);
      const transient = error.status === 0 || error.status === 503;
      if (!transient || error.isAbort || attempt >= MAX_ATTEMPTS) throw error;
      await sleep(Math.max(500 * attempt, (error.retryAfter ?? 0) * 1000));
    }
  }
}
