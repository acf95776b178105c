/**
 * `#/dataset`: the User Activity dataset over any window (the lake), for the planroom's staff —
 * a grouping ("views per company this year") or rows, filtered, sorted; its pages in a table and
 * the whole answer as CSV or Parquet.
 */
import { html, nothing, type TemplateResult } from 'lit-html';
import { cellText, datasetQuery, defaultForm, DatasetRunner, type DatasetForm, type DatasetProgress } from '../dataset';
import { formatInstant } from '../format';
import type { Host, View } from '../host';
import { href } from '../router';
import { errorBox } from './states';

type FormField = keyof DatasetForm;

const INPUTS: { name: FormField; label: string; hint: string; type?: string }[] = [
  { name: 'from', label: 'From', hint: 'a day (UTC) or an instant' },
  { name: 'to', label: 'To (exclusive)', hint: 'up to 3,660 days after “From”' },
  { name: 'groupBy', label: 'Group by', hint: 'fields, e.g. company_name, event_type; empty: rows' },
  { name: 'distinct', label: 'Distinct', hint: 'fields counted once per group, e.g. user_email' },
  { name: 'fields', label: 'Fields', hint: 'the rows’ columns when not grouping; empty: all 33' },
  { name: 'sort', label: 'Sort', hint: 'columns, - for descending, e.g. -count' },
  { name: 'limit', label: 'Limit', hint: 'rows or groups; empty: 10,000', type: 'number' },
];

export class DatasetView implements View {
  readonly title = 'User Activity dataset';
  private form: DatasetForm = defaultForm();
  private problem: string | null = null;
  private readonly runner: DatasetRunner;

  constructor(private readonly host: Host) {
    this.runner = new DatasetRunner(
      host.api,
      () => host.update(),
      () => host.sessionExpired(),
    );
  }

  dispose(): void {
    this.runner.dispose();
  }

  render(): TemplateResult {
    const busy = ['asking', 'pending', 'running'].includes(this.runner.progress.phase);
    return html`
      <p class="breadcrumb"><a href=${href.home()}>← All jobs</a></p>
      <h1>User Activity dataset</h1>
      <p class="lead">Every view, download and order of the planroom, over any window: group and count, or list the rows.</p>
      <form class="dataset-form" data-testid="dataset-form" @submit=${(event: Event) => this.submit(event)}>
        ${INPUTS.map(
          (input) => html`<label class="dataset-field">
            <span>${input.label}</span>
            <input
              name=${input.name}
              data-testid=${`dataset-${input.name}`}
              type=${input.type ?? 'text'}
              .value=${this.form[input.name]}
              autocomplete="off"
              spellcheck="false"
              @input=${(event: Event) => this.edit(input.name, (event.target as HTMLInputElement).value)}
            />
            <small class="muted">${input.hint}</small>
          </label>`,
        )}
        <label class="dataset-field dataset-filters">
          <span>Filters (JSON)</span>
          <textarea
            name="filters"
            data-testid="dataset-filters"
            rows="3"
            spellcheck="false"
            placeholder='{"event_type": ["View"], "object_name": {"contains": "addendum"}, "event_timestamp": {"from": "2026-09-15T00:00:00Z"}}'
            .value=${this.form.filters}
            @input=${(event: Event) => this.edit('filters', (event.target as HTMLTextAreaElement).value)}
          ></textarea>
        </label>
        <div class="button-row">
          <button type="submit" data-testid="dataset-run" ?disabled=${busy}>Run the query</button>
        </div>
      </form>
      ${this.problem !== null ? html`<p class="error-text" role="alert" data-testid="dataset-problem">${this.problem}</p>` : nothing}
      <section aria-live="polite" data-testid="dataset-status">${this.progress(this.runner.progress)}</section>
    `;
  }

  private edit(name: FormField, value: string): void {
    this.form = { ...this.form, [name]: value };
  }

  private submit(event: Event): void {
    event.preventDefault();
    const asked = datasetQuery(this.form);
    if ('error' in asked) {
      this.problem = asked.error;
      this.host.update();
      return;
    }
    this.problem = null;
    void this.runner.start(asked.query);
  }

  private progress(progress: DatasetProgress): TemplateResult | typeof nothing {
    switch (progress.phase) {
      case 'idle':
        return nothing;
      case 'asking':
        return html`<p role="status">Asking…</p>`;
      case 'pending':
        return html`<p role="status">Waiting for the query engine…</p>`;
      case 'running':
        return html`<p role="status">Running…</p>`;
      case 'failed':
        if (progress.error !== null) {
          return errorBox(this.host, progress.error, { notFound: 'No such query (or not visible to you)' });
        }
        return html`<div class="error" role="alert" data-testid="error"><p><strong>The query failed: ${progress.message}</strong></p></div>`;
      case 'ready':
        return this.answer(progress);
    }
  }

  private answer(progress: Extract<DatasetProgress, { phase: 'ready' }>): TemplateResult {
    const { answer, loadingPage } = progress;
    const columns = answer.columns ?? [];
    const items = answer.items ?? [];
    const page = answer.page ?? 0;
    const pages = answer.pages ?? 1;
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    return html`
      <p data-testid="dataset-summary">
        <strong data-testid="dataset-rows">${answer.rows ?? 0}</strong> ${columns.some((c) => c.name === 'count') ? 'groups' : 'rows'}
        from ${formatInstant(answer.from, zone)} to ${formatInstant(answer.to, zone)}.
        ${answer.csv_url ? html`<a href=${answer.csv_url} data-testid="dataset-csv" download>CSV</a>` : nothing}
        ${answer.parquet_url ? html`· <a href=${answer.parquet_url} data-testid="dataset-parquet" download>Parquet</a>` : nothing}
        ${answer.expires_at ? html`<span class="muted">(links work until ${formatInstant(answer.expires_at, zone)})</span>` : nothing}
      </p>
      ${items.length === 0
        ? html`<p class="empty" data-testid="empty">Nothing in this window matches</p>`
        : html`<div class="table-scroll">
            <table data-testid="dataset-table">
              <thead>
                <tr>
                  ${columns.map((c) => html`<th scope="col" title=${c.type}>${c.name}</th>`)}
                </tr>
              </thead>
              <tbody>
                ${items.map((item) => html`<tr>${columns.map((c) => html`<td>${cellText(item[c.name])}</td>`)}</tr>`)}
              </tbody>
            </table>
          </div>`}
      ${progress.pageError
        ? errorBox(this.host, progress.pageError, {
            notFound: 'No such query (or not visible to you)',
            retry: () => void this.runner.page(page),
          })
        : nothing}
      ${pages > 1
        ? html`<nav class="pager" aria-label="Pages of the answer">
            <button type="button" data-testid="dataset-previous" ?disabled=${loadingPage || page === 0} @click=${() => void this.runner.page(page - 1)}>
              Previous
            </button>
            <span data-testid="dataset-page">Page ${page + 1} of ${pages}</span>
            <button
              type="button"
              data-testid="dataset-next"
              ?disabled=${loadingPage || answer.next_page === null || answer.next_page === undefined}
              @click=${() => void this.runner.page(page + 1)}
            >
              Next
            </button>
          </nav>`
        : nothing}
    `;
  }
}
