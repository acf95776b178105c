/** The job's Activity tab: one row per individual, sortable and paged. */
import { html, nothing, type TemplateResult } from 'lit-html';
import { call, toApiError } from '../api';
import type { IndividualSummary } from '../api-types';
import { orDash, sourceLabel } from '../format';
import type { Host } from '../host';
import { Loader } from '../loader';
import { href, navigate } from '../router';
import { CursorPager, PAGE_SIZES, pagerControls } from './pager';
import { empty, loading, whenLoaded } from './states';
import { time } from './time';

type Sort = 'name' | 'company' | 'first_at';
type Page = { items: IndividualSummary[]; next_cursor: string | null };

interface TableSettings {
  sort: Sort;
  limit: number;
  pager: CursorPager;
}

/** Sort, page size and page of each job's table, kept while the app runs (back from an individual). */
const settingsByJob = new Map<string, TableSettings>();

const SORT_LABELS: Record<Sort, string> = { name: 'name', company: 'company', first_at: 'first access' };

export class IndividualsTable {
  readonly loader: Loader<Page>;
  private readonly settings: TableSettings;

  constructor(
    private readonly host: Host,
    private readonly jobId: string,
  ) {
    let settings = settingsByJob.get(jobId);
    if (!settings) {
      settings = { sort: 'name', limit: 25, pager: new CursorPager() };
      settingsByJob.set(jobId, settings);
    }
    this.settings = settings;
    this.loader = new Loader(host, (signal) => this.fetchPage(signal));
    this.loader.load();
  }

  private async fetchPage(signal: AbortSignal): Promise<Page> {
    const { sort, limit, pager } = this.settings;
    const query = { sort, limit, ...(pager.cursor ? { cursor: pager.cursor } : {}) };
    try {
      return await call(
        this.host.api.GET('/v1/jobs/{job_id}/activity/individuals', {
          params: { path: { job_id: this.jobId }, query },
          signal,
        }),
      );
    } catch (cause) {
      // A remembered cursor the service no longer takes: start again from the first page.
      if (toApiError(cause).status === 400 && pager.cursor) {
        pager.reset();
        return this.fetchPage(signal);
      }
      throw cause;
    }
  }

  private setSort(sort: Sort): void {
    if (this.settings.sort === sort) return;
    this.settings.sort = sort;
    this.settings.pager.reset();
    this.loader.load();
  }

  private setLimit(limit: number): void {
    this.settings.limit = limit;
    this.settings.pager.reset();
    this.loader.load();
  }

  render(timeZone: string, blastNames: ReadonlyMap<string, string>): TemplateResult {
    const state = this.loader.state;
    // While a page loads, the last one stays on screen (and the focused control with it).
    const shown = state.kind === 'loading' ? this.loader.lastValue : undefined;
    return html`
      <div class="table-controls">
        <label
          >Rows per page
          <select data-testid="page-size" @change=${(e: Event) => this.setLimit(Number((e.target as HTMLSelectElement).value))}>
            ${PAGE_SIZES.map((size) => html`<option value=${size} ?selected=${size === this.settings.limit}>${size}</option>`)}
          </select>
        </label>
        ${state.kind === 'loading' && shown ? loading('Loading the page…') : nothing}
      </div>
      ${shown
        ? this.table(shown, timeZone, blastNames, true)
        : whenLoaded(this.host, this.loader, (page) => this.table(page, timeZone, blastNames, false), {
            loadingText: 'Loading individuals…',
          })}
    `;
  }

  private table(page: Page, timeZone: string, blastNames: ReadonlyMap<string, string>, busy: boolean): TemplateResult {
    const { pager } = this.settings;
    if (page.items.length === 0 && !pager.hasPrevious) return empty();
    return html`
      <div class="table-scroll">
        <table data-testid="individuals-table" aria-busy=${busy ? 'true' : 'false'}>
          <caption class="visually-hidden">
            People who accessed this job, by ${SORT_LABELS[this.settings.sort]}; select a row to see their accesses
          </caption>
          <thead>
            <tr>
              ${this.sortHeader('name', 'Name', 'sort-name')}
              <th scope="col">E-mail</th>
              ${this.sortHeader('company', 'Company', 'sort-company')}
              <th scope="col">Sources</th>
              <th scope="col" class="num">Files viewed</th>
              <th scope="col" class="num">Downloads</th>
              <th scope="col" class="num">Orders</th>
              ${this.sortHeader('first_at', 'First access', 'sort-first-at')}
              <th scope="col">Last access</th>
            </tr>
          </thead>
          <tbody>
            ${page.items.map((person) => this.row(person, timeZone, blastNames))}
          </tbody>
        </table>
      </div>
      ${page.items.length === 0 ? html`<p class="muted">No more individuals.</p>` : nothing}
      ${pagerControls({ pager, nextCursor: page.next_cursor, onChange: () => this.loader.load(), label: 'Individuals' })}
    `;
  }

  private sortHeader(sort: Sort, label: string, testId: string): TemplateResult {
    const active = this.settings.sort === sort;
    return html`<th scope="col" aria-sort=${active ? 'ascending' : 'none'}>
      <button type="button" class="sort" data-testid=${testId} @click=${() => this.setSort(sort)}>
        ${label}<span class="sort-mark" aria-hidden="true">${active ? ' ▲' : ''}</span>
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
    const sources = [...new Set(person.sources.map((s) => sourceLabel(s, blastNames)))].join(', ');
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
