/**
 * Planroom tracking snippet: records what a blast recipient, who came by a tracked link, views and
 * downloads on the planroom's pages. Built as the standalone module `dist/tracker.js`.
 *
 * ```html
 * <script type="module">
 *   import { startTracking } from '/ui/tracker.js';
 *   const tracker = startTracking({ apiBase: 'https://api.example.com' });
 *   tracker.view({ kind: 'file', id: 'add-3', name: 'Addendum 3.pdf' });
 *   document.querySelector('#download').onclick = () => tracker.download({ kind: 'file', id: 'add-3' });
 * </script>
 * ```
 *
 * A tracked link lands on `{base_url}/jobs/{job}[/files/{id}|/sections/{id}]` with
 * `?contact_session=…` (or `#contact_session=…`). `startTracking` keeps that session in
 * sessionStorage for the tab's life, removes it from the visible URL (so it is neither bookmarked
 * nor shared), and posts events with it to `POST {apiBase}/v1/contact-events`. The job is the one
 * in the page's path, unless `jobId` is given (in the options or in a call). Without a session
 * nothing is sent: visitors who did not come by a tracked link are never tracked. Calls never
 * throw: they resolve to `{ok, status, results?, reason?}`.
 */

export const SESSION_PARAM = 'contact_session';
export const SESSION_STORAGE_KEY = 'planroom.contact_session';

export type ObjectKind = 'file' | 'section' | 'job';
export type TrackedActivity = 'view' | 'download';

export interface TrackedObject {
  kind: ObjectKind;
  id: string;
  name?: string;
}

export interface TrackingOptions {
  /** The activity API's origin, e.g. `https://api.example.com`. */
  apiBase: string;
  /** The job of the events; default: the `/jobs/{job}` in the page's path. */
  jobId?: string;
  /** Delays before each retry of a failed post (network error or 503), in ms; default 3 retries. */
  retryDelaysMs?: readonly number[];
  /** For tests: the fetch to use. */
  fetch?: typeof fetch;
}

export interface EventResult {
  first: boolean;
  first_at: string;
  count: number;
}

export interface TrackResult {
  ok: boolean;
  /** HTTP status; 0 when nothing was answered (or nothing was sent). */
  status: number;
  results?: EventResult[];
  reason?: string;
}

export interface Tracker {
  /** Whether this tab has a contact session (false after the service refused it). */
  readonly hasSession: boolean;
  /** The job events are recorded for, unless a call names another. */
  readonly jobId: string | null;
  view(object: TrackedObject, options?: { jobId?: string }): Promise<TrackResult>;
  download(object: TrackedObject, options?: { jobId?: string }): Promise<TrackResult>;
  /** Forgets the session (nothing more is recorded in this tab). */
  forget(): void;
}

const DEFAULT_RETRY_DELAYS_MS = [500, 1500, 4000] as const;
const MAX_URL_BYTES = 2048;

/** The `contact_session` of a page address: from the hash's `&`-separated params, else the query. */
export function sessionFromUrl(search: string, hash: string): string | null {
  return paramOf(hash.replace(/^#/, ''), SESSION_PARAM) ?? paramOf(search.replace(/^\?/, ''), SESSION_PARAM);
}

function paramOf(params: string, name: string): string | null {
  for (const part of params.split('&')) {
    const eq = part.indexOf('=');
    const key = eq === -1 ? part : part.slice(0, eq);
    if (safeDecode(key) !== name) continue;
    const value = eq === -1 ? '' : safeDecode(part.slice(eq + 1).replace(/\+/g, ' '));
    if (value) return value;
  }
  return null;
}

function safeDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

/** The address without its `contact_session` params (query and hash), the rest left as it was. */
export function urlWithoutSession(href: string): string {
  const hashAt = href.indexOf('#');
  const beforeHash = hashAt === -1 ? href : href.slice(0, hashAt);
  const hash = hashAt === -1 ? null : href.slice(hashAt + 1);
  const queryAt = beforeHash.indexOf('?');
  const base = queryAt === -1 ? beforeHash : beforeHash.slice(0, queryAt);
  const query = queryAt === -1 ? null : beforeHash.slice(queryAt + 1);
  const cleanQuery = query === null ? null : withoutParam(query, SESSION_PARAM);
  const cleanHash = hash === null ? null : withoutParam(hash, SESSION_PARAM);
  return `${base}${cleanQuery ? `?${cleanQuery}` : ''}${cleanHash ? `#${cleanHash}` : ''}`;
}

function withoutParam(params: string, name: string): string {
  return params
    .split('&')
    .filter((part) => {
      const eq = part.indexOf('=');
      return safeDecode(eq === -1 ? part : part.slice(0, eq)) !== name;
    })
    .join('&');
}

export interface PlanroomPage {
  jobId: string;
  /** What the page shows: the file or section in the path, else the job. */
  object: TrackedObject;
}

/**
 * Reads `/jobs/{job}`, `/jobs/{job}/files/{id}` or `/jobs/{job}/sections/{id}` (percent-decoded,
 * trailing slash allowed) from a path. With `prefix`, the path must start with it and the rest must
 * be such a path; without, the first `/jobs/…` of that shape in the path is taken (a planroom's
 * base URL may have a path of its own).
 */
export function parsePlanroomPath(pathname: string, prefix?: string): PlanroomPage | null {
  let path = pathname;
  if (prefix !== undefined) {
    const base = prefix.replace(/\/+$/, '');
    if (path !== base && !path.startsWith(`${base}/`)) return null;
    path = path.slice(base.length);
  }
  const segments = path.split('/').filter((s) => s !== '');
  const starts = prefix !== undefined ? [0] : segments.map((_, i) => i);
  for (const start of starts) {
    const page = pageOf(segments.slice(start));
    if (page) return page;
  }
  return null;
}

function pageOf(segments: string[]): PlanroomPage | null {
  if (segments[0] !== 'jobs' || (segments.length !== 2 && segments.length !== 4)) return null;
  const decoded = segments.map(safeDecode);
  if (decoded.some((s) => s === null || s.trim() === '')) return null;
  const [, jobId, kind, id] = decoded as string[];
  if (jobId === undefined) return null;
  if (kind === undefined || id === undefined) return { jobId, object: { kind: 'job', id: jobId } };
  if (kind === 'files') return { jobId, object: { kind: 'file', id } };
  if (kind === 'sections') return { jobId, object: { kind: 'section', id } };
  return null;
}

/** An event id the service accepts (`^[A-Za-z0-9_-]{1,64}$`): a UUID where the browser has one. */
export function newEventId(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  if (c && typeof c.getRandomValues === 'function') {
    return Array.from(c.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
  }
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/** Starts tracking on this page: takes the session out of the URL and returns the tracker. */
export function startTracking(options: TrackingOptions): Tracker {
  const apiBase = options.apiBase.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const retryDelays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;

  const fromUrl = sessionFromUrl(location.search, location.hash);
  if (fromUrl) {
    store(fromUrl);
    const clean = urlWithoutSession(location.href);
    if (clean !== location.href) history.replaceState(history.state, '', clean);
  }
  let session: string | null = fromUrl ?? stored();
  const defaultJobId = options.jobId ?? parsePlanroomPath(location.pathname)?.jobId ?? null;

  const forget = (): void => {
    session = null;
    try {
      sessionStorage.removeItem(SESSION_STORAGE_KEY);
    } catch {
      // Nothing stored.
    }
  };

  const send = async (activity: TrackedActivity, object: TrackedObject, call?: { jobId?: string }): Promise<TrackResult> => {
    if (!session) return { ok: false, status: 0, reason: 'no session' };
    const jobId = call?.jobId ?? defaultJobId;
    if (!jobId) return { ok: false, status: 0, reason: 'no job id' };
    const event: Record<string, unknown> = { event_id: newEventId(), job_id: jobId, activity, object: cleanObject(object) };
    const url = location.href;
    if (new TextEncoder().encode(url).length <= MAX_URL_BYTES) event.url = url;
    const body = JSON.stringify({ events: [event] });
    const sentWith = session;

    for (let attempt = 0; ; attempt++) {
      let response: Response | null = null;
      try {
        response = await doFetch(`${apiBase}/v1/contact-events`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-Contact-Session': sentWith },
          body,
          credentials: 'omit',
          referrerPolicy: 'no-referrer',
        });
      } catch {
        response = null;
      }
      const retryable = response === null || response.status === 503;
      const delay = retryDelays[attempt];
      if (retryable && delay !== undefined) {
        // The same event_id goes again: the service counts the event once however often it arrives.
        await sleep(Math.max(delay, retryAfterMs(response)));
        continue;
      }
      if (response === null) return { ok: false, status: 0, reason: 'network error' };
      return readAnswer(response, () => {
        if (session === sentWith) forget();
      });
    }
  };

  return {
    get hasSession() {
      return session !== null;
    },
    jobId: defaultJobId,
    view: (object, call) => send('view', object, call),
    download: (object, call) => send('download', object, call),
    forget,
  };
}

async function readAnswer(response: Response, onUnauthorized: () => void): Promise<TrackResult> {
  const body: unknown = await response.json().catch(() => null);
  if (response.ok) {
    const results = (body as { results?: EventResult[] } | null)?.results;
    return results ? { ok: true, status: response.status, results } : { ok: true, status: response.status };
  }
  if (response.status === 401) onUnauthorized();
  const message = (body as { error?: { message?: unknown } } | null)?.error?.message;
  return { ok: false, status: response.status, reason: typeof message === 'string' ? message : `HTTP ${response.status}` };
}

function cleanObject(object: TrackedObject): TrackedObject {
  return object.name ? { kind: object.kind, id: object.id, name: object.name } : { kind: object.kind, id: object.id };
}

function retryAfterMs(response: Response | null): number {
  const value = response?.headers.get('Retry-After');
  return value && /^\d+$/.test(value.trim()) ? Number(value.trim()) * 1000 : 0;
}

function store(session: string): void {
  try {
    sessionStorage.setItem(SESSION_STORAGE_KEY, session);
  } catch {
    // Storage refused (private mode): the session lives in this page only.
  }
}

function stored(): string | null {
  try {
    return sessionStorage.getItem(SESSION_STORAGE_KEY);
  } catch {
    return null;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
