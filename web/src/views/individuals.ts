/**
 * The job's Activity tab: one row per individual, sorted either way by any column, searched by
 * person or company, paged. Every individual of the job is loaded (pages of 500, up to 10,000
 * people), so sorting, searching and paging work on all of them, in the browser.
 */
import { html, type TemplateResult } from 'lit-html';
import { call } from '../api';
import type { IndividualSummary } from '../api-types';
import { orDash, plural, sourceLabel } from '../format';
import type { Host } from '../host';
import { Loader } from '../loader';
import { nextOrder, searchPeople, sortPeople, type SortKey, type SortOrder } from '../people';
import { href, navigate } from '../router';
import { PAGE_SIZES, pagedControls } from './pager';
import { empty, whenLoaded } from './states';
import { time } from './time';

/** Pages of individuals read at most, of `FETCH_LIMIT` each; the table says when there were more. */
const FETCH_LIMIT = 500;
const MAX_PAGES = 20;

type Everyone = { items: IndividualSummary[]; truncated: boolean };

interface TableSettings {
  order: SortOrder;
  limit: number;
  /** The page shown, from 0. */
  page: number;
  query: string;
}

/** Sort, search, page size and page of each job's table, kept while the app runs (back from an individual). */
const settingsByJob = new Map<string, TableSettings>();

interface Column {
  key: SortKey;
  label: string;
  testId: string;
  num?: boolean;
}

const COLUMNS: readonly Column[] = [
  { key: 'name', label: 'Name', testId: 'sort-name' },
  { key: 'email', label: 'E-mail', testId: 'sort-email' },
  { key: 'company', label: 'Company', testId: 'sort-company' },
  { key: 'sources', label: 'Sources', testId: 'sort-sources' },
  { key: 'files_viewed', label: 'Files viewed', testId: 'sort-files-viewed', num: true },
  { key: 'downloads', label: 'Downloads', testId: 'sort-downloads', num: true },
  { key: 'orders', label: 'Orders', testId: 'sort-orders', num: true },
  { key: 'first_at', label: 'First access', testId: 'sort-first-at' },
  { key: 'last_at', label: 'Last access', testId: 'sort-last-at' },
];

export class IndividualsTable {
  readonly loader: Loader<Everyone>;
  private readonly settings: TableSettings;
  /** The last sorted and searched list, reused while its inputs are the same. */
  private memo: { items: IndividualSummary[]; order: SortOrder; query: string; names: ReadonlyMap<string, string>; rows: IndividualSummary[] } | null =
    null;

  constructor(
    private readonly host: Host,
    private readonly jobId: string,
  ) {
    let settings = settingsByJob.get(jobId);
    if (!settings) {
      settings = { order: { key: 'name', direction: 'ascending' }, limit: 25, page: 0, query: '' };
      settingsByJob.set(jobId, settings);
    }
    this.settings = settings;
    this.loader = new Loader(host, (signal) => this.fetchAll(signal));
    this.loader.load();
  }

  private async fetchAll(signal: AbortSignal): Promise<Everyone> {
    const items: IndividualSummary[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const answer = await call(
        this.host.api.GET('/v1/jobs/{job_id}/activity/individuals', {
          params: { path: { job_id: this.jobId }, query: { sort: 'name', limit: FETCH_LIMIT, ...(cursor ? { cursor } : {}) } },
          signal,
        }),
      );
      items.push(...answer.items);
      if (!answer.next_cursor) return { items, truncated: false };
      cursor = answer.next_cursor;
    }
    return { items, truncated: true };
  }

  private rowsOf(everyone: Everyone, blastNames: ReadonlyMap<string, string>): IndividualSummary[] {
    const { order, query } = this.settings;
    const m = this.memo;
    // Blast names matter only to the sources' order (the map is new on every render).
    const same = m && m.items === everyone.items && m.order === order && m.query === query && (order.key !== 'sources' || m.names === blastNames);
    if (m && same) return m.rows;
    const sources = (p: IndividualSummary): string => sourcesText(p, blastNames);
    const rows = sortPeople(searchPeople(everyone.items, query), order, sources);
    this.memo = { items: everyone.items, order, query, names: blastNames, rows };
    return rows;
  }

  private setSort(key: SortKey): void {
    this.settings.order = nextOrder(this.settings.order, key);
    this.settings.page = 0;
    this.host.update();
  }

  private setLimit(limit: number): void {
    this.settings.limit = limit;
    this.settings.page = 0;
    this.host.update();
  }

  private setQuery(query: string): void {
    if (query === this.settings.query) return;
    this.settings.query = query;
    this.settings.page = 0;
    this.host.update();
  }

  private setPage(page: number): void {
    this.settings.page = page;
    this.host.update();
  }

  render(timeZone: string, blastNames: ReadonlyMap<string, string>): TemplateResult {
    return html`
      <div class="table-controls">
        <label
          >Search
          <input
            type="search"
            data-testid="people-search"
            placeholder="Person or company"
            aria-describedby="people-search-status"
            autocomplete="off"
            spellcheck="false"
            .value=${this.settings.query}
            @input=${(e: Event) => this.setQuery((e.target as HTMLInputElement).value)}
        /></label>
        <label
          >Rows per page
          <select data-testid="page-size" @change=${(e: Event) => this.setLimit(Number((e.target as HTMLSelectElement).value))}>
            ${PAGE_SIZES.map((size) => html`<option value=${size} ?selected=${size === this.settings.limit}>${size}</option>`)}
          </select>
        </label>
      </div>
      ${whenLoaded(this.host, this.loader, (everyone) => this.table(everyone, timeZone, blastNames), {
        loadingText: 'Loading individuals…',
      })}
    `;
  }

  private table(everyone: Everyone, timeZone: string, blastNames: ReadonlyMap<string, string>): TemplateResult {
    if (everyone.items.length === 0) return empty();
    const { limit, query, order } = this.settings;
    const rows = this.rowsOf(everyone, blastNames);
    const pages = Math.max(1, Math.ceil(rows.length / limit));
    const page = Math.min(this.settings.page, pages - 1);
    const shown = rows.slice(page * limit, page * limit + limit);
    const column = COLUMNS.find((c) => c.key === order.key);
    return html`
      <p class="muted" id="people-search-status" data-testid="people-search-status" role="status" aria-live="polite">
        ${query.trim() === ''
          ? plural(everyone.items.length, 'individual')
          : `${rows.length} of ${plural(everyone.items.length, 'individual')} match “${query.trim()}”`}${everyone.truncated
          ? ` (the first ${everyone.items.length.toLocaleString('en-US')} of the job, by name: sorting and search apply to them)`
          : ''}
      </p>
      ${rows.length === 0
        ? empty('Nobody matches the search')
        : html`<div class="table-scroll">
              <table data-testid="individuals-table">
                <caption class="visually-hidden">
                  People who accessed this job, by ${column?.label.toLowerCase() ?? order.key} (${order.direction}); select a row to see
                  their accesses
                </caption>
                <thead>
                  <tr>
                    ${COLUMNS.map((c) => this.sortHeader(c))}
                  </tr>
                </thead>
                <tbody>
                  ${shown.map((person) => this.row(person, timeZone, blastNames))}
                </tbody>
              </table>
            </div>
            ${pagedControls({ page, pages, onChange: (p) => this.setPage(p), label: 'Individuals' })}`}
    `;
  }

  private sortHeader(column: Column): TemplateResult {
    const { order } = this.settings;
    const active = order.key === column.key;
    const direction = active ? order.direction : 'none';
    const mark = active ? (order.direction === 'ascending' ? ' ▲' : ' ▼') : '';
    return html`<th scope="col" class=${column.num ? 'num' : ''} aria-sort=${direction}>
      <button type="button" class="sort" data-testid=${column.testId} @click=${() => this.setSort(column.key)}>
        ${column.label}<span class="sort-mark" aria-hidden="true">${mark}</span>
      </button>
    </th>`;
  }

  private row(person: IndividualSummary, timeZone: string, blastNames: ReadonlyMap<string, string>): TemplateResult {
    const target = href.individual(this.jobId, person.individual_id);
    const open = (event: Event): void => {
      // The name's own link navigates by itself.
      if ((event.target as Element).closest('a')) return;
      navigate(target);
    };
    const sources = sourcesText(person, blastNames);
    return html`<tr
      class="clickable"
      data-testid="individual-row"
      tabindex="0"
      @click=${open}
      @keydown=${(event: KeyboardEvent) => {
        if (event.key === 'Enter' && event.target === event.currentTarget) navigate(target);
      }}
    >
      <th scope="row"><a href=${target}>${person.name || person.email || 'Unnamed'}</a></th>
      <td>${orDash(person.email)}</td>
      <td>${orDash(person.company_name)}</td>
      <td>${orDash(sources)}</td>
      <td class="num">${person.files_viewed}</td>
      <td class="num">${person.downloads}</td>
      <td class="num">${person.orders}</td>
      <td data-testid="first-access">${time(person.first_at, timeZone)}</td>
      <td>${time(person.last_at, timeZone)}</td>
    </tr>`;
  }

  dispose(): void {
    this.loader.dispose();
  }
}

function sourcesText(person: IndividualSummary, blastNames: ReadonlyMap<string, string>): string {
  return [...new Set(person.sources.map((s) => sourceLabel(s, blastNames)))].join(', ');
}
