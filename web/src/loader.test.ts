import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './api';
import type { Host } from './host';
import { Loader } from './loader';

function host(): Host & { expired: number } {
  const h = {
    expired: 0,
    update: () => {},
    sessionExpired: () => {
      h.expired++;
    },
    focusSignIn: () => {},
  };
  return h as unknown as Host & { expired: number };
}


describe('Loader', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] }));
  afterEach(() => vi.useRealTimers());

  it('retries a 503 only once its Retry-After has passed', async () => {
    const fetcher = vi
      .fn<(signal: AbortSignal) => Promise<string>>()
      .mockRejectedValueOnce(new ApiError(503, 'unavailable', 'busy', 2))
      .mockResolvedValueOnce('data');
    const loader = new Loader(host(), fetcher);
    loader.load();
    await vi.advanceTimersByTimeAsync(0);
    expect(loader.state).toMatchObject({ kind: 'error', retrying: false });

    loader.retry();
    expect(loader.state).toMatchObject({ kind: 'error', retrying: true });
    await vi.advanceTimersByTimeAsync(1900);
    expect(fetcher).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(fetcher).toHaveBeenCalledTimes(2);
    expect(loader.state).toEqual({ kind: 'ready', value: 'data' });
  });

  it('tells the host about a 401 and drops answers of older loads', async () => {
    const h = host();
    let resolveFirst: (v: string) => void = () => {};
    const fetcher = vi
      .fn<(signal: AbortSignal) => Promise<string>>()
      .mockImplementationOnce(() => new Promise((resolve) => (resolveFirst = resolve)))
      .mockRejectedValueOnce(new ApiError(401, 'unauthorized', 'a valid bearer token is required'));
    const loader = new Loader(h, fetcher);
    loader.load();
    loader.load();
    await vi.advanceTimersByTimeAsync(0);
    resolveFirst('stale');
    await vi.advanceTimersByTimeAsync(0);
    expect(loader.state).toMatchObject({ kind: 'error', error: { status: 401 } });
    expect(h.expired).toBe(1);
  });
});

