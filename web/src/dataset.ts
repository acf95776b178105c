/**
 * The User Activity dataset over any window: the form's text made into a lake query
 * (`POST /v1/user-activity/queries`, with an Idempotency-Key per click), then
 * `GET /v1/user-activity/queries/{query_id}` every second until it is answered, and its pages.
 */
import { Followed } from './followed';
import { call, toApiError, type Api, type ApiError } from './api';
import type { LakeQueryInput, LakeQueryStatus } from './api-types';
import { newIdempotencyKey } from './exports';

/** What the form holds, as typed. */
export interface DatasetForm {
  /** A day (`YYYY-MM-DD`, UTC) or an RFC 3339 instant: the window's start. */
  from: string;
  /** Its end (exclusive). */
  to: string;
  /** Fields to group by, separated by commas or spaces; empty: rows. */
  groupBy: string;
  /** Fields counted distinct in each group. */
  distinct: string;
  /** The rows' columns when not grouping; empty: all 33. */
  fields: string;
  /** A JSON object of filters, as the API takes them; empty: none. */
  filters: string;
  /** Columns to sort on, `-` before a name for descending. */
  sort: string;
  /** Rows or groups at most; empty: the service's default (10,000). */
  limit: string;
}

/** The dataset's field names, as the API's schema lists them. */
type FieldNames = Exclude<LakeQueryInput['group_by'], string | null | undefined>;
/** Typed names as the schema's: the service judges them (a 422 names one it does not know). */
const asFields = (list: string[]): FieldNames => list as FieldNames;

const DAY_MS = 86_400_000;

/** The last 90 days (to the end of today, UTC), views and downloads per company. */
export function defaultForm(now: Date = new Date()): DatasetForm {
  const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
  return {
    from: day(now.getTime() - 89 * DAY_MS),
    to: day(now.getTime() + DAY_MS),
    groupBy: 'company_name, event_type',
    distinct: 'user_email',
    fields: '',
    filters: '',
    sort: '',
    limit: '',
  };
}

/** Names typed with commas or spaces between them. */
export function names(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

/** The query the form asks for, or what to change in it (the service judges the rest: a 422). */
export function datasetQuery(form: DatasetForm): { query: LakeQueryInput } | { error: string } {
  const from = form.from.trim();
  const to = form.to.trim();
  if (from === '' || to === '') return { error: 'Give the window: from and to' };
  const query: LakeQueryInput = { from, to };
  const groupBy = names(form.groupBy);
  const distinct = names(form.distinct);
  const fields = names(form.fields);
  if (groupBy.length > 0) {
    query.group_by = asFields(groupBy);
    if (distinct.length > 0) query.distinct = asFields(distinct);
  } else {
    if (distinct.length > 0) return { error: 'Distinct counts need a group: fill “Group by”, or empty “Distinct”' };
    if (fields.length > 0) query.fields = asFields(fields);
  }
  const sort = names(form.sort);
  if (sort.length > 0) query.sort = sort;
  if (form.limit.trim() !== '') {
    const limit = Number(form.limit.trim());
    if (!Number.isInteger(limit) || limit < 1) return { error: 'The limit is a whole number of rows, at least 1' };
    query.limit = limit;
  }
  if (form.filters.trim() !== '') {
    let filters: unknown;
    try {
      filters = JSON.parse(form.filters);
    } catch (cause) {
      return { error: `The filters are not JSON: ${cause instanceof Error ? cause.message : String(cause)}` };
    }
    if (filters === null || typeof filters !== 'object' || Array.isArray(filters)) {
      return { error: 'The filters are a JSON object: {"field": ["value", …]} or {"field": {"contains": "…"}}' };
    }
    query.filters = filters as LakeQueryInput['filters'];
  }
  return { query };
}

export type DatasetProgress =
  | { phase: 'idle' }
  | { phase: 'asking' }
  | { phase: 'pending' | 'running'; queryId: string }
  | { phase: 'ready'; queryId: string; answer: LakeQueryStatus; loadingPage: boolean; pageError?: ApiError }
  | { phase: 'failed'; queryId: string | null; message: string; error: ApiError | null };

const POLL_MS = 1000;
/** Consecutive failed polls (network, 5xx) tolerated before giving up. */
const MAX_POLL_FAILURES = 10;

/** One query at a time: a new one replaces the one followed. */
export class DatasetRunner extends Followed<DatasetProgress> {
  constructor(
    private readonly api: Api,
    onChange: () => void,
    private readonly onUnauthorized: () => void,
  ) {
    super({ phase: 'idle' }, onChange);
  }

  async start(query: LakeQueryInput): Promise<void> {
    const run = this.begin();
    this.set(run, { phase: 'asking' });
    try {
      const accepted = await call(
        this.api.POST('/v1/user-activity/queries', {
          params: { header: { 'Idempotency-Key': newIdempotencyKey() } },
          body: query,
        }),
      );
      this.follow(run, accepted.query_id, 0, 0);
    } catch (cause) {
      this.fail(run, null, cause);
    }
  }

  /** Shows page `page` (from 0) of the answer; when it cannot be read, the page shown stays, with
   * the error (the answer is kept: asking for a page again needs no new query). */
  async page(page: number): Promise<void> {
    const shown = this.progress;
    if (shown.phase !== 'ready') return;
    const run = this.run;
    this.set(run, { phase: 'ready', queryId: shown.queryId, answer: shown.answer, loadingPage: true });
    try {
      const answer = await this.get(shown.queryId, page);
      this.set(run, { phase: 'ready', queryId: shown.queryId, answer, loadingPage: false });
    } catch (cause) {
      const error = toApiError(cause);
      if (error.isAbort || run !== this.run) return;
      if (error.status === 401) this.onUnauthorized();
      this.set(run, { phase: 'ready', queryId: shown.queryId, answer: shown.answer, loadingPage: false, pageError: error });
    }
  }

  private get(queryId: string, page: number): Promise<LakeQueryStatus> {
    return call(
      this.api.GET('/v1/user-activity/queries/{query_id}', {
        params: { path: { query_id: queryId }, query: page > 0 ? { page } : {} },
      }),
    );
  }

  private follow(run: number, queryId: string, failures: number, delay: number): void {
    if (run !== this.run) return;
    this.timer = setTimeout(async () => {
      if (run !== this.run) return;
      try {
        const answer = await this.get(queryId, 0);
        switch (answer.status) {
          case 'pending':
          case 'running':
            this.set(run, { phase: answer.status, queryId });
            this.follow(run, queryId, 0, POLL_MS);
            return;
          case 'ready':
            this.set(run, { phase: 'ready', queryId, answer, loadingPage: false });
            return;
          case 'failed':
            this.set(run, { phase: 'failed', queryId, message: answer.error ?? 'the query could not be answered', error: null });
        }
      } catch (cause) {
        const error = toApiError(cause);
        // A throttled or busy service, or no answer: the query goes on, so does the wait.
        const transient = error.status === 0 || error.status === 429 || error.status >= 500;
        if (transient && failures + 1 < MAX_POLL_FAILURES) {
          this.follow(run, queryId, failures + 1, Math.max(POLL_MS, (error.retryAfter ?? 0) * 1000));
        } else {
          this.fail(run, queryId, error);
        }
      }
    }, delay);
  }

  private fail(run: number, queryId: string | null, cause: unknown): void {
    const error = toApiError(cause);
    if (error.isAbort || run !== this.run) return;
    if (error.status === 401) this.onUnauthorized();
    this.set(run, { phase: 'failed', queryId, message: error.message, error });
  }
}

/** A cell as the table shows it: text as is, nothing for unknown, other values as JSON. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
