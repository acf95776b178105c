import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Api } from './api';
import { cellText, datasetQuery, DatasetRunner, defaultForm, names, type DatasetForm } from './dataset';

const form = (changes: Partial<DatasetForm> = {}): DatasetForm => ({
  from: '2026-01-01',
  to: '2027-01-01',
  groupBy: '',
  distinct: '',
  fields: '',
  filters: '',
  sort: '',
  limit: '',
  ...changes,
});

describe('datasetQuery', () => {
  it('makes a grouping with distinct counts, a sort and a limit', () => {
    const asked = datasetQuery(form({ groupBy: 'company_name, event_type', distinct: 'user_email', sort: '-count', limit: '50' }));
    expect(asked).toEqual({
      query: {
        from: '2026-01-01',
        to: '2027-01-01',
        group_by: ['company_name', 'event_type'],
        distinct: ['user_email'],
        sort: ['-count'],
        limit: 50,
      },
    });
  });

  it('makes rows with chosen fields, and passes filters through as typed', () => {
    const filters = '{"event_type": ["View"], "object_name": {"contains": "addendum"}, "count": {"from": 1}}';
    const asked = datasetQuery(form({ fields: 'event_id event_timestamp,object_name', filters }));
    expect(asked).toEqual({
      query: {
        from: '2026-01-01',
        to: '2027-01-01',
        fields: ['event_id', 'event_timestamp', 'object_name'],
        filters: { event_type: ['View'], object_name: { contains: 'addendum' }, count: { from: 1 } },
      },
    });
  });

  it('ignores fields when grouping (the groups are the columns)', () => {
    const asked = datasetQuery(form({ groupBy: 'job_id', fields: 'event_id' }));
    expect(asked).toEqual({ query: { from: '2026-01-01', to: '2027-01-01', group_by: ['job_id'] } });
  });

  it('says what to change: no window, distinct without a group, a bad limit, filters that are not an object', () => {
    const problems = [
      form({ from: ' ' }),
      form({ distinct: 'user_email' }),
      form({ limit: '1.5' }),
      form({ limit: '0' }),
      form({ filters: '{"event_type": ' }),
      form({ filters: '["View"]' }),
      form({ filters: 'null' }),
    ].map((f) => datasetQuery(f));
    for (const asked of problems) expect(asked).toHaveProperty('error');
    expect(problems[4]).toEqual({ error: expect.stringMatching(/^The filters are not JSON/) });
  });
});

describe('defaultForm and names', () => {
  it('asks for the last 90 days per company and event type', () => {
    const f = defaultForm(new Date('2026-12-04T11:00:00Z'));
    expect([f.from, f.to]).toEqual(['2026-09-06', '2026-12-05']);
    expect(names(f.groupBy)).toEqual(['company_name', 'event_type']);
    expect(datasetQuery(f)).toHaveProperty('query');
  });

  it('splits on commas and spaces, and shows cells as text', () => {
    expect(names(' a,b  c,,')).toEqual(['a', 'b', 'c']);
    expect([cellText(null), cellText('x'), cellText(3), cellText(false)]).toEqual(['', 'x', '3', 'false']);
  });
});

type Call = { method: string; path: string; init: { params?: { path?: { query_id: string }; query?: { page?: number }; header?: Record<string, string> }; body?: unknown } };

function json(status: number, body: unknown): { data?: unknown; error?: unknown; response: Response } {
  const response = new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  return status < 400 ? { data: body, response } : { error: body, response };
}

function fakeApi(answers: ReturnType<typeof json>[]): { api: Api; calls: Call[] } {
  const calls: Call[] = [];
  const answer = (method: string) =>
    vi.fn(async (path: string, init: Call['init']) => {
      calls.push({ method, path, init });
      const next = answers.shift();
      if (!next) throw new Error('no more answers');
      return next;
    });
  return { api: { POST: answer('POST'), GET: answer('GET') } as unknown as Api, calls };
}

const status = (changes: Record<string, unknown>) => ({
  query_id: 'q-1',
  status: 'ready',
  from: '2026-01-01T00:00:00Z',
  to: '2027-01-01T00:00:00Z',
  created_at: '2026-12-04T11:00:00Z',
  ...changes,
});

describe('DatasetRunner', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('asks once with a key, follows the query until ready, and turns pages', async () => {
    const ready = status({ rows: 1500, page: 0, pages: 2, next_page: 1, columns: [{ name: 'event_id', type: 'string' }], items: [{ event_id: 'e-1' }] });
    const { api, calls } = fakeApi([
      json(202, { query_id: 'q-1', status: 'pending' }),
      json(200, status({ status: 'running' })),
      json(200, ready),
      json(200, { ...ready, page: 1, next_page: null, items: [{ event_id: 'e-2' }] }),
    ]);
    const runner = new DatasetRunner(api, () => {}, () => {});
    await runner.start({ from: '2026-01-01', to: '2027-01-01' });
    expect(calls[0]?.path).toBe('/v1/user-activity/queries');
    expect(calls[0]?.init.params?.header?.['Idempotency-Key']).toMatch(/^[0-9a-f-]{32,36}$/);
    await vi.advanceTimersByTimeAsync(0);
    expect(runner.progress.phase).toBe('running');
    await vi.advanceTimersByTimeAsync(1000);
    expect(runner.progress).toMatchObject({ phase: 'ready', queryId: 'q-1', answer: { rows: 1500, pages: 2 } });
    await runner.page(1);
    expect(calls[3]?.init.params).toMatchObject({ path: { query_id: 'q-1' }, query: { page: 1 } });
    expect(runner.progress).toMatchObject({ phase: 'ready', answer: { page: 1, items: [{ event_id: 'e-2' }] } });
  });

  it("shows the service's refusal and the engine's failure", async () => {
    const refused = fakeApi([json(422, { error: { code: 'invalid', message: 'unknown field nope' } })]);
    const runner = new DatasetRunner(refused.api, () => {}, () => {});
    await runner.start({ from: '2026-01-01', to: '2027-01-01', group_by: 'nope' });
    expect(runner.progress).toMatchObject({ phase: 'failed', queryId: null, message: 'unknown field nope', error: { status: 422 } });

    const failing = fakeApi([json(202, { query_id: 'q-1', status: 'pending' }), json(200, status({ status: 'failed', error: 'bytes scanned limit' }))]);
    const second = new DatasetRunner(failing.api, () => {}, () => {});
    await second.start({ from: '2026-01-01', to: '2027-01-01' });
    await vi.advanceTimersByTimeAsync(0);
    expect(second.progress).toEqual({ phase: 'failed', queryId: 'q-1', message: 'bytes scanned limit', error: null });
  });

  it('waits on through throttling, and keeps the answer when a page cannot be read', async () => {
    const ready = status({ rows: 1500, page: 0, pages: 2, next_page: 1, columns: [{ name: 'event_id', type: 'string' }], items: [{ event_id: 'e-1' }] });
    const { api, calls } = fakeApi([
      json(202, { query_id: 'q-1', status: 'pending' }),
      json(429, { message: 'Too Many Requests' }),
      json(200, ready),
      json(503, { error: { code: 'unavailable', message: 'busy' } }),
      json(200, { ...ready, page: 1, next_page: null, items: [{ event_id: 'e-2' }] }),
    ]);
    const runner = new DatasetRunner(api, () => {}, () => {});
    await runner.start({ from: '2026-01-01', to: '2027-01-01' });
    await vi.advanceTimersByTimeAsync(0);
    expect(runner.progress.phase).toBe('asking');
    await vi.advanceTimersByTimeAsync(1000);
    expect(runner.progress).toMatchObject({ phase: 'ready', answer: { page: 0 } });
    await runner.page(1);
    expect(runner.progress).toMatchObject({ phase: 'ready', answer: { page: 0, items: [{ event_id: 'e-1' }] }, pageError: { status: 503 } });
    await runner.page(1);
    expect(runner.progress).toMatchObject({ phase: 'ready', answer: { page: 1 } });
    expect(runner.progress).not.toHaveProperty('pageError');
    expect(calls).toHaveLength(5);
  });

  it('signs out on a 401 and stops following when disposed', async () => {
    const unauthorized = vi.fn();
    const { api, calls } = fakeApi([json(401, { message: 'Unauthorized' })]);
    await new DatasetRunner(api, () => {}, unauthorized).start({ from: '2026-01-01', to: '2027-01-01' });
    expect(unauthorized).toHaveBeenCalledOnce();

    const followed = fakeApi([json(202, { query_id: 'q-1', status: 'pending' }), json(200, status({ status: 'pending' }))]);
    const runner = new DatasetRunner(followed.api, () => {}, () => {});
    await runner.start({ from: '2026-01-01', to: '2027-01-01' });
    runner.dispose();
    await vi.advanceTimersByTimeAsync(5000);
    expect(followed.calls).toHaveLength(1);
    expect(calls).toHaveLength(1);
  });
});
