/** The jobs the signed-in user may see, newest first, searched by name or number (`GET /v1/jobs?q=`), paged. */
import { html, nothing, type TemplateResult } from 'lit-html';
import { call, toApiError } from '../api';
import type { JobList } from '../api-types';
import { debounce } from '../debounce';
import { formatInstant } from '../format';
import type { Host } from '../host';
import { Loader } from '../loader';
import { href } from '../router';
import { CursorPager, pagerControls } from './pager';
import { empty, loading, whenLoaded } from './states';

const PAGE_SIZE = 20;
/** How long typing pauses before the search is sent. */
export const SEARCH_DEBOUNCE_MS = 300;

/** The search and page, kept while the app runs (back from a job). */
const remembered = { query: '', pager: new CursorPager() };

export class JobsPanel {
  readonly loader: Loader<JobList>;
  private readonly search = debounce((query: string) => this.setQuery(query), SEARCH_DEBOUNCE_MS);

  constructor(private readonly host: Host) {
    this.loader = new Loader(host, (signal) => this.fetchPage(signal));
    this.loader.load();
  }

  private async fetchPage(signal: AbortSignal): Promise<JobList> {
    const { query, pager } = remembered;
    const q = query.trim();
    try {
      return await call(
        this.host.api.GET('/v1/jobs', {
          params: { query: { limit: PAGE_SIZE, ...(q ? { q } : {}), ...(pager.cursor ? { cursor: pager.cursor } : {}) } },
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

  private setQuery(query: string): void {
    if (query.trim() === remembered.query.trim()) return;
    remembered.query = query;
    remembered.pager.reset();
    this.loader.load();
  }

  render(): TemplateResult {
    const state = this.loader.state;
    // While a page loads, the last one stays on screen (and the search field keeps its focus).
    const shown = state.kind === 'loading' ? this.loader.lastValue : undefined;
    return html`<section aria-labelledby="jobs-heading">
      <h2 id="jobs-heading">Jobs</h2>
      <form
        class="table-controls"
        role="search"
        @submit=${(event: Event) => {
          event.preventDefault();
          this.search.flush();
        }}
      >
        <label for="job-search">Search jobs</label>
        <input
          id="job-search"
          type="search"
          data-testid="job-search"
          placeholder="Name or number"
          maxlength="200"
          autocomplete="off"
          spellcheck="false"
          .value=${remembered.query}
          @input=${(event: Event) => this.search((event.target as HTMLInputElement).value)}
        />
        ${state.kind === 'loading' && shown ? loading('Searching…') : nothing}
      </form>
      ${shown
        ? this.table(shown, true)
        : whenLoaded(this.host, this.loader, (list) => this.table(list, false), { loadingText: 'Loading the jobs…' })}
    </section>`;
  }

  private table(list: JobList, busy: boolean): TemplateResult {
    const { pager, query } = remembered;
    if (list.items.length === 0 && !pager.hasPrevious) {
      return empty(query.trim() ? `No job’s name or number contains “${query.trim()}”` : 'No jobs yet');
    }
    return html`<div class="table-scroll">
        <table data-testid="jobs-table" aria-busy=${busy ? 'true' : 'false'}>
          <caption class="visually-hidden">
            Jobs, newest first${query.trim() ? `, whose name or number contains “${query.trim()}”` : ''}
          </caption>
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Number</th>
              <th scope="col">Customer</th>
              <th scope="col">Bids due</th>
              <th scope="col">Registered</th>
            </tr>
          </thead>
          <tbody>
            ${list.items.map(
              (job) => html`<tr data-testid="job-row">
                <th scope="row">
                  <a href=${href.job(job.job_id)} data-testid="job-link">${job.name || job.job_id}</a>${job.is_demo
                    ? html` <span class="badge">demo</span>`
                    : nothing}
                </th>
                <td>${job.number ?? html`<span class="muted">—</span>`}</td>
                <td>${job.company_name ?? html`<span class="muted">—</span>`}</td>
                <td>${job.bid_due_at ? formatInstant(job.bid_due_at, job.time_zone) : html`<span class="muted">—</span>`}</td>
                <td>${job.created_at ? formatInstant(job.created_at, job.time_zone) : html`<span class="muted">—</span>`}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
      ${list.items.length === 0 ? html`<p class="muted">No more jobs.</p>` : nothing}
      ${list.next_cursor || pager.hasPrevious
        ? pagerControls({ pager, nextCursor: list.next_cursor, onChange: () => this.loader.load(), label: 'Jobs' })
        : nothing}`;
  }

  dispose(): void {
    this.search.cancel();
    this.loader.dispose();
  }
}
