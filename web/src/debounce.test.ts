import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { debounce } from './debounce';

describe('debounce', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('calls once typing pauses, with the last text', () => {
    const fn = vi.fn<(q: string) => void>();
    const search = debounce(fn, 300);
    search('c');
    vi.advanceTimersByTime(200);
    search('cl');
    vi.advanceTimersByTime(200);
    search('cli');
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(300);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(fn).toHaveBeenCalledWith('cli');
  });

  it('flushes a waiting call at once, and cancels one', () => {
    const fn = vi.fn<(q: string) => void>();
    const search = debounce(fn, 300);
    search('a');
    search.flush();
    expect(fn).toHaveBeenCalledWith('a');
    search.flush();
    expect(fn).toHaveBeenCalledTimes(1);
    search('b');
    search.cancel();
    vi.advanceTimersByTime(1000);
    expect(fn).toHaveBeenCalledTimes(1);
  });
});
