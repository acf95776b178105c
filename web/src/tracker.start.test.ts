import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SESSION_STORAGE_KEY, startTracking } from './tracker';

/** A page at `href` with its own sessionStorage and history, as globals for startTracking. */
function page(href: string, stored: Record<string, string> = {}) {
  const url = new URL(href);
  const storage = new Map(Object.entries(stored));
  const replaced: string[] = [];
  vi.stubGlobal('location', {
    get href() {
      return url.href;
    },
    get pathname() {
      return url.pathname;
    },
    get search() {
      return url.search;
    },
    get hash() {
      return url.hash;
    },
  });
  vi.stubGlobal('history', {
    state: null,
    replaceState(_state: unknown, _title: string, next: string) {
      replaced.push(next);
      url.href = new URL(next, url).href;
    },
  });
  vi.stubGlobal('sessionStorage', {
    getItem: (k: string) => storage.get(k) ?? null,
    setItem: (k: string, v: string) => void storage.set(k, v),
    removeItem: (k: string) => void storage.delete(k),
  });
  return { url, storage, replaced };
}

const ok = () =>
  new Response(JSON.stringify({ results: [{ first: true, first_at: '2026-11-25T15:00:00.000Z', count: 1 }] }), {
    status: 200,
    headers: { 'Content-Type': 'application/json' },
  });

describe('startTracking', () => {
  beforeEach(() => vi.unstubAllGlobals());
  afterEach(() => vi.unstubAllGlobals());

  it('takes the session out of the URL, keeps it for the tab and posts with it', async () => {
    const { url, storage, replaced } = page('https://p.test/ui/planroom/jobs/job-demo/files/add-3?contact_session=S1&x=1#top');
    const fetch = vi.fn(async () => ok());
    const tracker = startTracking({ apiBase: 'https://api.test/', fetch });
    expect(tracker.hasSession).toBe(true);
    expect(tracker.jobId).toBe('job-demo');
    expect(storage.get(SESSION_STORAGE_KEY)).toBe('S1');
    expect(replaced).toEqual(['https://p.test/ui/planroom/jobs/job-demo/files/add-3?x=1#top']);
    expect(url.href).not.toContain('contact_session');

    const result = await tracker.view({ kind: 'file', id: 'add-3', name: 'Addendum 3.pdf' });
    expect(result).toEqual({ ok: true, status: 200, results: [{ first: true, first_at: '2026-11-25T15:00:00.000Z', count: 1 }] });
    const [target, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(target).toBe('https://api.test/v1/contact-events');
    expect(init.method).toBe('POST');
    expect(init.headers).toMatchObject({ 'X-Contact-Session': 'S1', 'Content-Type': 'application/json' });
    const body = JSON.parse(String(init.body));
    expect(body.events).toHaveLength(1);
    expect(body.events[0]).toMatchObject({
      job_id: 'job-demo',
      activity: 'view',
      object: { kind: 'file', id: 'add-3', name: 'Addendum 3.pdf' },
    });
    expect(body.events[0].event_id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  });

  it('finds a session kept by an earlier page of the tab', async () => {
    page('https://p.test/jobs/j-2', { [SESSION_STORAGE_KEY]: 'KEPT' });
    const fetch = vi.fn(async () => ok());
    const tracker = startTracking({ apiBase: 'https://api.test', fetch });
    await tracker.download({ kind: 'job', id: 'j-2' });
    const [, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(init.headers).toMatchObject({ 'X-Contact-Session': 'KEPT' });
    expect(JSON.parse(String(init.body)).events[0]).toMatchObject({ job_id: 'j-2', activity: 'download' });
  });

  it('sends nothing without a session', async () => {
    page('https://p.test/jobs/j');
    const fetch = vi.fn(async () => ok());
    const tracker = startTracking({ apiBase: 'https://api.test', fetch });
    expect(tracker.hasSession).toBe(false);
    expect(await tracker.view({ kind: 'job', id: 'j' })).toEqual({ ok: false, status: 0, reason: 'no session' });
    expect(fetch).not.toHaveBeenCalled();
  });

  it('retries network errors and 503s with the same event_id', async () => {
    page('https://p.test/jobs/j#contact_session=S');
    const fetch = vi
      .fn<(url: string, init: RequestInit) => Promise<Response>>()
      .mockRejectedValueOnce(new TypeError('offline'))
      .mockResolvedValueOnce(new Response('{}', { status: 503 }))
      .mockResolvedValueOnce(ok());
    const tracker = startTracking({ apiBase: 'https://api.test', fetch: fetch as unknown as typeof globalThis.fetch, retryDelaysMs: [1, 1, 1] });
    const result = await tracker.view({ kind: 'job', id: 'j' });
    expect(result.ok).toBe(true);
    expect(fetch).toHaveBeenCalledTimes(3);
    const ids = fetch.mock.calls.map(([, init]) => JSON.parse(String(init.body)).events[0].event_id);
    expect(new Set(ids).size).toBe(1);
  });

  it('gives up after 3 retries', async () => {
    page('https://p.test/jobs/j#contact_session=S');
    const fetch = vi.fn(async () => {
      throw new TypeError('offline');
    });
    const tracker = startTracking({ apiBase: 'https://api.test', fetch, retryDelaysMs: [1, 1, 1] });
    expect(await tracker.view({ kind: 'job', id: 'j' })).toEqual({ ok: false, status: 0, reason: 'network error' });
    expect(fetch).toHaveBeenCalledTimes(4);
  });

  it('forgets a session the service refuses', async () => {
    const { storage } = page('https://p.test/jobs/j?contact_session=OLD');
    const fetch = vi.fn(
      async () =>
        new Response(JSON.stringify({ error: { code: 'unauthorized', message: 'a valid contact session is required' } }), {
          status: 401,
        }),
    );
    const tracker = startTracking({ apiBase: 'https://api.test', fetch });
    const result = await tracker.view({ kind: 'job', id: 'j' });
    expect(result).toEqual({ ok: false, status: 401, reason: 'a valid contact session is required' });
    expect(tracker.hasSession).toBe(false);
    expect(storage.has(SESSION_STORAGE_KEY)).toBe(false);
  });
});
