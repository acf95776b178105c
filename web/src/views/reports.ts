/** Report buttons and the status of the report asked for last. */
import { html, nothing, type TemplateResult } from 'lit-html';
import { REPORTS, type ExportProgress, type ExportRunner, type ReportKind } from '../exports';
import { formatInstant } from '../format';

export function reportButtons(options: {
  runner: ExportRunner;
  jobId: string;
  kinds: readonly ReportKind[];
  individualId?: string;
  timeZone: string;
}): TemplateResult {
  const { runner, jobId, kinds, individualId, timeZone } = options;
  const busy = runner.progress.phase === 'requesting';
  return html`<div class="reports">
    <div class="button-row">
      ${kinds.map(
        (kind) => html`<button
          type="button"
          data-testid=${`report-${kind}`}
          ?disabled=${busy}
          @click=${() => void runner.start(jobId, kind, individualId)}
        >
          ${REPORTS[kind].label}
        </button>`,
      )}
    </div>
    <div class="export-status" data-testid="export-status" role="status" aria-live="polite">
      ${statusText(runner.progress, timeZone)}
    </div>
  </div>`;
}

/** What the report asked for last is doing, with its download link once ready. */
export function statusText(progress: ExportProgress, timeZone: string): TemplateResult | typeof nothing {
  switch (progress.phase) {
    case 'idle':
      return nothing;
    case 'requesting':
      return html`${progress.label}: asking for the report…`;
    case 'pending':
      return html`${progress.label}: pending (waiting for the report writer)…`;
    case 'running':
      return html`${progress.label}: running…`;
    case 'ready':
      return html`${progress.label}: ready (${progress.rows} rows, ${formatBytes(progress.bytes)}).
        <a href=${progress.url} data-testid="export-download" download>Download ${progress.label}</a>
        ${progress.expiresAt
          ? html`<span class="muted">The link works until ${formatInstant(progress.expiresAt, timeZone)}.</span>`
          : nothing}`;
    case 'failed':
      return html`<span class="error-text">${progress.label}: failed: ${progress.error}</span>`;
  }
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
