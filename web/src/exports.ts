/**
 * Reports: `POST /v1/jobs/{job_id}/exports` (with an Idempotency-Key per click), then
 * `GET /v1/exports/{export_id}` every second until the report is ready or failed.
 */
import { Followed } from './followed';
import { call, toApiError, type Api } from './api';
import type { Export, ExportInput } from './api-types';

export type ReportKind =
  | 'csv-detailed'
  | 'pdf-summary'
  | 'pdf-detailed'
  | 'pdf-individual'
  | 'pdf-coverage'
  | 'csv-coverage'
  | 'pdf-certificate';

export const REPORTS: Record<ReportKind, { label: string; input: Pick<ExportInput, 'format' | 'report'> }> = {
  'csv-detailed': { label: 'CSV detailed', input: { format: 'csv', report: 'detailed' } },
  'pdf-summary': { label: 'PDF summary', input: { format: 'pdf', report: 'summary' } },
  'pdf-detailed': { label: 'PDF detailed', input: { format: 'pdf', report: 'detailed' } },
  'pdf-individual': { label: 'PDF individual', input: { format: 'pdf', report: 'individual' } },
  'pdf-coverage': { label: 'Coverage PDF', input: { format: 'pdf', report: 'coverage' } },
  'csv-coverage': { label: 'Coverage CSV', input: { format: 'csv', report: 'coverage' } },
  'pdf-certificate': { label: 'Certificate of distribution PDF', input: { format: 'pdf', report: 'distribution' } },
};

export type ExportProgress =
  | { phase: 'idle' }
  | { phase: 'requesting'; label: string }
  | { phase: 'pending' | 'running'; label: string; exportId: string }
  | { phase: 'ready'; label: string; exportId: string; url: string; rows: number; bytes: number; expiresAt: string | null }
  | { phase: 'failed'; label: string; exportId: string | null; error: string; status?: number };

const POLL_MS = 1000;
/** Consecutive failed polls (network, 5xx) tolerated before giving up. */
const MAX_POLL_FAILURES = 10;
/** Attempts of the export request itself on network errors and 503s (same Idempotency-Key). */
const MAX_REQUEST_ATTEMPTS = 3;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One report at a time per place on the page: a new click replaces the one followed. */
export class ExportRunner extends Followed<ExportProgress> {
  constructor(
    private readonly api: Api,
    onChange: () => void,
    private readonly onUnauthorized: () => void,
  ) {
    super({ phase: 'idle' }, onChange);
  }

  /** Asks for a report: `individualId` for an individual's, `blastId` for a blast's certificate. */
  async start(jobId: string, kind: ReportKind, individualId?: string, blastId?: string): Promise<void> {
    const run = this.begin();
    const { label, input } = REPORTS[kind];
    this.set(run, { phase: 'requesting', label });
    const body: ExportInput = { ...input };
    if (individualId !== undefined) body.individual_id = individualId;
    if (blastId !== undefined) body.blast_id = blastId;
    const key = newIdempotencyKey();
    for (let attempt = 1; ; attempt++) {
      try {
        const accepted = await call(
          this.api.POST('/v1/jobs/{job_id}/exports', {
            params: { path: { job_id: jobId }, header: { 'Idempotency-Key': key } },
            body,
          }),
        );
        this.follow(run, label, accepted.export_id, 0);
        return;
      } catch (cause) {
        const error = toApiError(cause);
        // The same key makes a resent request answer the same export, never a second one.
        const transient = error.status === 0 || error.status === 503;
        if (!transient || error.isAbort || attempt >= MAX_REQUEST_ATTEMPTS || run !== this.run) {
          this.fail(run, label, null, error);
          return;
        }
        await sleep(Math.max(500 * attempt, (error.retryAfter ?? 0) * 1000));
        if (run !== this.run) return;
      }
    }
  }

  private follow(run: number, label: string, exportId: string, failures: number, delay = 0): void {
    if (run !== this.run) return;
    this.timer = setTimeout(async () => {
      if (run !== this.run) return;
      try {
        const report = await call(this.api.GET('/v1/exports/{export_id}', { params: { path: { export_id: exportId } } }));
        if (this.show(run, label, report)) this.follow(run, label, exportId, 0, POLL_MS);
      } catch (cause) {
        const error = toApiError(cause);
        const transient = error.status === 0 || error.status === 503 || error.status === 500;
        if (transient && failures + 1 < MAX_POLL_FAILURES) {
          const wait = Math.max(POLL_MS, (error.retryAfter ?? 0) * 1000);
          this.follow(run, label, exportId, failures + 1, wait);
        } else {
          this.fail(run, label, exportId, error);
        }
      }
    }, delay);
  }

  /** Shows a polled state; true while the report is still being made. */
  private show(run: number, label: string, report: Export): boolean {
    switch (report.status) {
      case 'pending':
      case 'running':
        this.set(run, { phase: report.status, label, exportId: report.export_id });
        return true;
      case 'ready':
        this.set(run, {
          phase: 'ready',
          label,
          exportId: report.export_id,
          url: report.url ?? '',
          rows: report.rows,
          bytes: report.bytes,
          expiresAt: report.expires_at ?? null,
        });
        return false;
      case 'failed':
        this.set(run, { phase: 'failed', label, exportId: report.export_id, error: report.error ?? 'the report could not be made' });
        return false;
    }
  }

  private fail(run: number, label: string, exportId: string | null, cause: unknown): void {
    const error = toApiError(cause);
    if (error.isAbort || run !== this.run) return;
    if (error.status === 401) this.onUnauthorized();
    const message =
      error.status === 401
        ? 'Your session has expired, sign in again'
        : error.status === 503
          ? 'The service is busy, retry'
          : error.message;
    this.set(run, { phase: 'failed', label, exportId, error: message, status: error.status });
  }
}

/** A fresh key per click: the resent requests of one click answer the same export. */
export function newIdempotencyKey(): string {
  return typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : randomHex(16);
}

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
}
