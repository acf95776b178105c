import { describe, expect, it, vi } from 'vitest';
import type { Api } from './api';
import { sendReminder } from './reminders';

type Init = { params: { path: { job_id: string; blast_id: string }; header: { 'Idempotency-Key': string } }; body: unknown };

function json(status: number, body: unknown): { data?: unknown; error?: unknown; response: Response } {
  const response = new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  return status < 400 ? { data: body, response } : { error: body, response };
}

const created = { blast_id: 'b-2', reminder_of: 'b-1', until: 'viewed', name: 'Addendum 3 (reminder)', recipients: 2, links: [], links_total: 2, next_cursor: null };

function fakeApi(answers: ReturnType<typeof json>[]): { api: Api; calls: [string, Init][] } {
  const calls: [string, Init][] = [];
  const POST = vi.fn(async (path: string, init: Init) => {
    calls.push([path, init]);
    const next = answers.shift();
    if (!next) throw new Error('no more answers');
    return next;
  });
  return { api: { POST } as unknown as Api, calls };
}

describe('sendReminder', () => {
  it('posts until viewed to the blast, with a new key per action', async () => {
    const { api, calls } = fakeApi([json(201, created), json(201, created)]);
    const result = await sendReminder(api, 'job-1', 'b-1');
    await sendReminder(api, 'job-1', 'b-1');
    expect(result.recipients).toBe(2);
    expect(calls[0]?.[0]).toBe('/v1/jobs/{job_id}/blasts/{blast_id}/reminders');
    expect(calls[0]?.[1].params.path).toEqual({ job_id: 'job-1', blast_id: 'b-1' });
    expect(calls[0]?.[1].body).toEqual({ until: 'viewed' });
    const keys = calls.map(([, init]) => init.params.header['Idempotency-Key']);
    expect(keys[0]).toMatch(/^[0-9a-f-]{32,36}$/);
    expect(keys[0]).not.toBe(keys[1]);
  });

  it('retries a busy service with the same key', async () => {
    const busy = json(503, { error: { code: 'unavailable', message: 'busy' } });
    const { api, calls } = fakeApi([busy, json(201, created)]);
    const result = await sendReminder(api, 'job-1', 'b-1', 'viewed', { sleep: async () => {} });
    expect(result.blast_id).toBe('b-2');
    expect(calls).toHaveLength(2);
    expect(calls[0]?.[1].params.header['Idempotency-Key']).toBe(calls[1]?.[1].params.header['Idempotency-Key']);
  });

  it('answers nobody to remind, and gives up on a refusal at once', async () => {
    const { api } = fakeApi([json(200, { ...created, blast_id: null, recipients: 0, links_total: 0 })]);
    expect((await sendReminder(api, 'job-1', 'b-1')).blast_id).toBeNull();
    const refused = fakeApi([json(403, { error: { code: 'forbidden', message: 'staff only' } })]);
    await expect(sendReminder(refused.api, 'job-1', 'b-1', 'viewed', { sleep: async () => {} })).rejects.toMatchObject({ status: 403 });
    expect(refused.calls).toHaveLength(1);
  });
});
