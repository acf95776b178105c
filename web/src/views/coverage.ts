/**
 * The job's coverage matrix (its first view): bidder companies by the files the blasts sent, each
 * cell coloured by the furthest step (legend), companies that expand to their people, "missing
 * only", and a click on a file's column header for who has not opened it (cell below "Viewed"),
 * with one more click to remind them (the file's first blast, `…/reminders`).
 */
import { html, nothing, type TemplateResult } from 'lit-html';
import { call, toApiError, type ApiError } from '../api';
import type { BlastList, Coverage, CoverageCell, CoverageColumn, CoverageRow, ReminderCreated } from '../api-types';
import {
  columnCounts,
  filterRows,
  lacks,
  peopleByCompany,
  personLabel,
  reminderOf,
  rowKey,
  stepOf,
  STEP_HINTS,
  STEP_LABELS,
  STEPS,
  type CoverageFilter,
} from '../coverage';
import { formatInstant, formatShort, plural } from '../format';
import type { Host } from '../host';
import { Loader } from '../loader';
import { ExportRunner, type ReportKind } from '../exports';
import { sendReminder } from '../reminders';
import { statusText } from './reports';
import { href } from '../router';
import { empty, errorMessage, whenLoaded } from './states';

interface CoverageData {
  companies: Coverage;
  people: Coverage;
  /** Each company row's people, by `rowKey`. */
  groups: Map<string, CoverageRow[]>;
  /** People's names by individual id (for "first by"). */
  names: Map<string, string>;
}

interface CoverageSettings extends CoverageFilter {
  expanded: Set<string>;
}

type ReminderState =
  | { phase: 'idle' }
  | { phase: 'sending'; fileId: string }
  | { phase: 'done'; fileId: string; result: ReminderCreated }
  | { phase: 'error'; fileId: string; error: ApiError };

/** Filters and expanded companies of each job's matrix, kept while the app runs. */
const settingsByJob = new Map<string, CoverageSettings>();

export class CoveragePanel {
  readonly loader: Loader<CoverageData>;
  /** The job's blasts: the targets a reminder resends and how many were reminded. */
  private readonly blasts: Loader<BlastList>;
  private readonly settings: CoverageSettings;
  private reminder: ReminderState = { phase: 'idle' };
  private disposed = false;
  /** The coverage report and the blasts' certificates of distribution. */
  private readonly reports: ExportRunner;

  constructor(
    private readonly host: Host,
    private readonly jobId: string,
  ) {
    let settings = settingsByJob.get(jobId);
    if (!settings) {
      settings = { missingOnly: false, fileId: null, expanded: new Set() };
      settingsByJob.set(jobId, settings);
    }
    this.settings = settings;
    this.loader = new Loader(host, (signal) => this.fetch(signal));
    this.loader.load();
    this.blasts = new Loader(host, (signal) =>
      call(host.api.GET('/v1/jobs/{job_id}/blasts', { params: { path: { job_id: jobId } }, signal })),
    );
    this.blasts.load();
    this.reports = new ExportRunner(host.api, () => host.update(), () => host.sessionExpired());
  }

  /** The matrix by company and by person, side by side (the people expand the companies). */
  private async fetch(signal: AbortSignal): Promise<CoverageData> {
    const get = (by: 'company' | 'individual'): Promise<Coverage> =>
      call(this.host.api.GET('/v1/jobs/{job_id}/coverage', { params: { path: { job_id: this.jobId }, query: { by } }, signal }));
    const [companies, people] = await Promise.all([get('company'), get('individual')]);
    const names = new Map(people.rows.filter((p) => p.individual_id).map((p) => [p.individual_id as string, personLabel(p)]));
    return { companies, people, groups: peopleByCompany(companies.rows, people.rows), names };
  }

  render(timeZone: string): TemplateResult {
    return html`<section aria-labelledby="coverage-heading">
        <h2 id="coverage-heading">Who has every addendum</h2>
        ${whenLoaded(this.host, this.loader, (data) => this.matrix(data, timeZone), { loadingText: 'Loading the coverage…' })}
      </section>
      ${whenLoaded(this.host, this.loader, (data) => this.reportSection(data, timeZone), { loadingText: '' })}`;
  }

  /** The coverage as a report, and each blast's certificate of distribution: downloads named after the job. */
  private reportSection(data: CoverageData, timeZone: string): TemplateResult {
    const blasts = new Map<string, string>();
    for (const column of data.companies.columns) {
      if (column.first_sent_by) blasts.set(column.first_sent_by, column.first_sent_in ?? column.first_sent_by);
    }
    const busy = this.reports.progress.phase === 'requesting';
    const ask = (kind: ReportKind, blastId?: string) => () => void this.reports.start(this.jobId, kind, undefined, blastId);
    return html`<section aria-labelledby="coverage-reports-heading">
      <h2 id="coverage-reports-heading">Coverage reports</h2>
      <div class="reports">
        <div class="button-row">
          <button type="button" data-testid="report-pdf-coverage" ?disabled=${busy} @click=${ask('pdf-coverage')}>Coverage PDF</button>
          <button type="button" data-testid="report-csv-coverage" ?disabled=${busy} @click=${ask('csv-coverage')}>Coverage CSV</button>
          ${[...blasts].map(
            ([id, name]) => html`<button type="button" data-testid="report-certificate" data-blast=${id} ?disabled=${busy} @click=${ask('pdf-certificate', id)}>
              Certificate: ${name}
            </button>`,
          )}
        </div>
        <div class="export-status" data-testid="coverage-export-status" role="status" aria-live="polite">
          ${statusText(this.reports.progress, timeZone)}
        </div>
      </div>
    </section>`;
  }

  private matrix(data: CoverageData, timeZone: string): TemplateResult {
    const { columns, rows } = data.companies;
    if (columns.length === 0) {
      return empty('No file sent yet: the matrix fills once a blast sends one.');
    }
    // A remembered file filter of a column that is gone: drop it.
    if (this.settings.fileId !== null && !columns.some((c) => c.file_id === this.settings.fileId)) this.settings.fileId = null;
    const visible = filterRows(rows, this.settings);
    return html`
      <p data-testid="coverage-summary">
        <strong>${data.companies.complete_rows} of ${plural(rows.length, 'bidder')}</strong> ${data.companies.complete_rows === 1
          ? 'has'
          : 'have'}
        viewed every file (${plural(columns.length, 'file')}). Select a file’s name to see who has not opened it.
      </p>
      <div class="table-controls">
        <label
          ><input
            type="checkbox"
            data-testid="missing-only"
            .checked=${this.settings.missingOnly}
            @change=${(e: Event) => this.setMissingOnly((e.target as HTMLInputElement).checked)}
          />
          Missing only</label
        >
        <button type="button" class="link-button" data-testid="expand-all" @click=${() => this.expandAll(rows)}>Expand all</button>
        <button type="button" class="link-button" data-testid="collapse-all" @click=${() => this.collapseAll()}>Collapse all</button>
      </div>
      ${legend()} ${this.settings.fileId !== null ? this.fileFilter(data, this.settings.fileId, visible.length, timeZone) : nothing}
      ${visible.length === 0
        ? empty(this.settings.fileId !== null ? 'Every bidder has opened it.' : 'Every bidder has viewed every file.')
        : this.table(data, columns, visible, timeZone)}
    `;
  }

  private table(data: CoverageData, columns: CoverageColumn[], visible: CoverageRow[], timeZone: string): TemplateResult {
    const all = data.companies.rows;
    const filterNote =
      this.settings.fileId !== null
        ? `, only those who have not opened ${columns.find((c) => c.file_id === this.settings.fileId)?.name ?? 'the file'}`
        : this.settings.missingOnly
          ? ', only those missing a file'
          : '';
    return html`<div class="table-scroll">
      <table class="coverage" data-testid="coverage-table">
        <caption class="visually-hidden">
          Bidders by file${filterNote}: each cell is the furthest step reached
        </caption>
        <thead>
          <tr>
            <th scope="col">Bidder</th>
            ${columns.map((column) => this.columnHeader(column, all, timeZone))}
            <th scope="col" class="num">Files viewed</th>
          </tr>
        </thead>
        <tbody>
          ${visible.map((row) => this.rows(data, row, columns, timeZone))}
        </tbody>
      </table>
    </div>`;
  }

  private columnHeader(column: CoverageColumn, rows: CoverageRow[], timeZone: string): TemplateResult {
    const active = this.settings.fileId === column.file_id;
    const counts = columnCounts(rows, column.file_id);
    const name = column.name || column.file_id;
    return html`<th scope="col" class="file-column">
      <button
        type="button"
        class="column-filter"
        data-testid="column-filter"
        data-file-id=${column.file_id}
        aria-pressed=${active ? 'true' : 'false'}
        title=${active ? 'Show every bidder' : `Show who has not opened ${name}`}
        @click=${() => this.setFile(active ? null : column.file_id)}
      >
        ${name}
      </button>
      <span class="column-facts"
        >${counts.has} of ${counts.of} have it${column.first_sent_at
          ? html`<br />sent ${formatShort(column.first_sent_at, timeZone)}${column.first_sent_in ? ` in “${column.first_sent_in}”` : ''}`
          : html`<br />never sent`}</span
      >
    </th>`;
  }

  private rows(data: CoverageData, row: CoverageRow, columns: CoverageColumn[], timeZone: string): TemplateResult {
    const key = rowKey(row);
    const people = row.company_name ? filterRows(data.groups.get(key) ?? [], this.settings) : [];
    const expanded = this.settings.expanded.has(key) && people.length > 0;
    const groupId = `people-${cssId(key)}`;
    const head = row.company_name
      ? html`<button
          type="button"
          class="disclosure"
          data-testid="expand"
          aria-expanded=${expanded ? 'true' : 'false'}
          aria-controls=${expanded ? people.map((_, i) => `${groupId}-${i}`).join(' ') : nothing}
          ?disabled=${people.length === 0}
          @click=${() => this.toggle(key)}
        >
          <span class="disclosure-mark" aria-hidden="true">${expanded ? '▾' : '▸'}</span>
          ${row.company_name} <span class="muted">(${plural(people.length, 'person', 'people')})</span>
        </button>`
      : this.personName(row);
    return html`<tr class="company-row" data-testid="coverage-row" data-row=${row.company_name ?? personLabel(row)}>
        <th scope="row">${head}</th>
        ${columns.map((column) => this.cell(cellOf(row, column), column, timeZone, data.names))}
        <td class="num">${row.viewed} / ${columns.length}</td>
      </tr>
      ${expanded
        ? people.map(
            (person, i) => html`<tr class="person-row" id=${`${groupId}-${i}`} data-testid="coverage-person-row" data-row=${personLabel(person)}>
              <th scope="row">${this.personName(person)}</th>
              ${columns.map((column) => this.cell(cellOf(person, column), column, timeZone, data.names))}
              <td class="num">${person.viewed} / ${columns.length}</td>
            </tr>`,
          )
        : nothing}`;
  }

  private personName(row: CoverageRow): TemplateResult {
    const label = personLabel(row);
    return html`${row.individual_id ? html`<a href=${href.individual(this.jobId, row.individual_id)}>${label}</a>` : label}${row.email &&
      row.email !== label
        ? html` <span class="muted email">${row.email}</span>`
        : nothing}`;
  }

  private cell(cell: CoverageCell | undefined, column: CoverageColumn, timeZone: string, names: Map<string, string>): TemplateResult {
    const step = cell?.step ?? 'not_sent';
    const reached = cell?.first_at ?? cell?.sent_at;
    const by = cell?.first_by ? names.get(cell.first_by) : undefined;
    const lines = [`${column.name || column.file_id}: ${STEP_LABELS[step]}`];
    const add = (label: string, at: string | undefined): void => {
      if (at) lines.push(`${label} ${formatInstant(at, timeZone)}`);
    };
    add('Sent', cell?.sent_at);
    add('Opened the link', cell?.opened_at);
    add('Viewed', cell?.viewed_at);
    add('Downloaded', cell?.downloaded_at);
    add('Ordered', cell?.ordered_at);
    if (by) lines.push(`First: ${by}`);
    if (cell?.automated) lines.push(`Scanners: ${plural(cell.automated.hits, 'hit')} (not counted)`);
    return html`<td class=${`cell step-${step}`} data-testid="coverage-cell" data-step=${step} data-file-id=${column.file_id} title=${lines.join('\n')}>
      <span class="step-label">${STEP_LABELS[step]}</span>
      ${reached ? html`<time class="cell-time" datetime=${reached}>${formatShort(reached, timeZone)}</time>` : nothing}
      ${by ? html`<span class="cell-by">by ${by}</span>` : nothing}
    </td>`;
  }

  private fileFilter(data: CoverageData, fileId: string, shown: number, timeZone: string): TemplateResult {
    const { columns, rows } = data.companies;
    const column = columns.find((c) => c.file_id === fileId);
    const name = column?.name || fileId;
    const blast = this.blasts.value?.items.find((b) => b.blast_id === column?.first_sent_by);
    const reminder = reminderOf(columns, fileId, blast?.targets);
    const state = this.reminder.phase !== 'idle' && this.reminder.fileId === fileId ? this.reminder : null;
    const lacking = rows.filter((row) => lacks(stepOf(row, fileId))).length;
    return html`<div class="file-filter" data-testid="file-filter" role="region" aria-labelledby="file-filter-heading">
      <h3 id="file-filter-heading">Who has not opened ${name}</h3>
      <p data-testid="file-filter-count">
        ${lacking === 0
          ? 'Every bidder has opened it.'
          : html`${lacking} of ${plural(rows.length, 'bidder')} ${lacking === 1 ? 'has' : 'have'} not viewed it
              (their cell is below “${STEP_LABELS.viewed}”)${shown !== lacking ? html`; ${shown} shown with “Missing only”` : nothing}.`}
      </p>
      <div class="button-row">
        ${reminder && this.host.auth.isStaff
          ? html`<button
              type="button"
              data-testid="remind"
              ?disabled=${state?.phase === 'sending' || lacking === 0}
              @click=${() => void this.remind(fileId, reminder.blastId)}
            >
              ${state?.phase === 'done' && state.result.blast_id !== null ? 'Remind them again' : 'Remind them'}: resend
              “${reminder.blastName}”
            </button>`
          : nothing}
        <button type="button" class="link-button" data-testid="clear-file-filter" @click=${() => this.setFile(null)}>Show every bidder</button>
      </div>
      ${reminder
        ? html`<p class="muted">
            The reminder is a new blast of “${reminder.blastName}” (sent ${column?.first_sent_at ? formatShort(column.first_sent_at, timeZone) : ''})
            to its recipients who have not viewed
            ${reminder.otherFiles.length > 0 ? `every file it sent (${name}, ${reminder.otherFiles.join(', ')})` : name};
            people who got the file another way are not reached.${blast && blast.reminded > 0
              ? html` <span data-testid="reminded-before">${plural(blast.reminded, 'recipient')} reminded of it so far.</span>`
              : nothing}
            ${this.host.auth.isStaff ? nothing : 'Only planroom staff send reminders.'}
          </p>`
        : html`<p class="muted">No blast sent this file, so there is no blast to remind of.</p>`}
      <div class="reminder-status" data-testid="reminder-status" role="status" aria-live="polite">
        ${state ? this.reminderText(state, reminder?.blastName ?? 'the blast') : nothing}
      </div>
    </div>`;
  }

  private reminderText(state: Exclude<ReminderState, { phase: 'idle' }>, blastName: string): TemplateResult {
    switch (state.phase) {
      case 'sending':
        return html`Sending the reminder…`;
      case 'done':
        return state.result.blast_id === null
          ? html`Nobody to remind: every recipient of “${blastName}” has viewed it.`
          : html`<strong>Reminded ${plural(state.result.recipients, 'recipient')}</strong>: “${state.result.name ?? blastName}”
              (${plural(state.result.links_total, 'tracked link')}).`;
      case 'error':
        return html`<span class="error-text">The reminder was not sent: ${errorMessage(state.error)}</span>`;
    }
  }

  private async remind(fileId: string, blastId: string): Promise<void> {
    if (this.reminder.phase === 'sending') return;
    this.setReminder({ phase: 'sending', fileId });
    try {
      // A fresh Idempotency-Key for this click; its retries (network, 503) reuse it.
      const result = await sendReminder(this.host.api, this.jobId, blastId, 'viewed');
      this.setReminder({ phase: 'done', fileId, result });
      if (!this.disposed) this.blasts.load();
    } catch (cause) {
      const error = toApiError(cause);
      if (error.status === 401) this.host.sessionExpired();
      this.setReminder({ phase: 'error', fileId, error });
    }
  }

  private setReminder(state: ReminderState): void {
    if (this.disposed) return;
    this.reminder = state;
    this.host.update();
  }

  private setFile(fileId: string | null): void {
    this.settings.fileId = fileId;
    this.host.update();
  }

  private setMissingOnly(on: boolean): void {
    this.settings.missingOnly = on;
    this.host.update();
  }

  private toggle(key: string): void {
    if (this.settings.expanded.has(key)) this.settings.expanded.delete(key);
    else this.settings.expanded.add(key);
    this.host.update();
  }

  private expandAll(rows: CoverageRow[]): void {
    for (const row of rows) if (row.company_name) this.settings.expanded.add(rowKey(row));
    this.host.update();
  }

  private collapseAll(): void {
    this.settings.expanded.clear();
    this.host.update();
  }

  dispose(): void {
    this.disposed = true;
    this.loader.dispose();
    this.blasts.dispose();
    this.reports.dispose();
  }
}

function legend(): TemplateResult {
  return html`<ul class="legend" data-testid="coverage-legend" aria-label="What the colours mean">
    ${STEPS.map(
      (step) => html`<li data-step=${step}>
        <span class=${`swatch step-${step}`} aria-hidden="true"></span><strong>${STEP_LABELS[step]}</strong>
        <span class="muted">${STEP_HINTS[step]}</span>
      </li>`,
    )}
  </ul>`;
}

function cellOf(row: CoverageRow, column: CoverageColumn): CoverageCell | undefined {
  return row.cells.find((cell) => cell.file_id === column.file_id);
}

function cssId(key: string): string {
  return key.replace(/[^A-Za-z0-9_-]/g, (c) => `_${c.codePointAt(0)?.toString(16) ?? ''}`);
}
