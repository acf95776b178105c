/** One piece of data a view loads: its loading, ready and error states, retries and cancellation. */
import { toApiError, type ApiError } from './api';
import type { Host } from './host';

export type LoadState<T> =
  | { kind: 'loading' }
  | { kind: 'ready'; value: T }
  | { kind: 'error'; error: ApiError; retrying: boolean };

export class Loader<T> {
  state: LoadState<T> = { kind: 'loading' };
  /** The last value loaded, kept while the next one loads (so a table keeps its rows and focus). */
  lastValue: T | undefined;
  private generation = 0;
  private controller: AbortController | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly host: Host,
    private readonly fetcher: (signal: AbortSignal) => Promise<T>,
  ) {}

  /** (Re)loads; an answer to an older load is dropped. */
  load(): void {
    this.cancel();
    const generation = ++this.generation;
    const controller = new AbortController();
    this.controller = controller;
    this.state = { kind: 'loading' };
    this.host.update();
    this.fetcher(controller.signal).then(
      (value) => {
        if (generation !== this.generation) return;
        this.state = { kind: 'ready', value };
        this.lastValue = value;
        this.host.update();
      },
      (cause: unknown) => {
        if (generation !== this.generation) return;
        const error = toApiError(cause);
        if (error.isAbort) return;
        if (error.status === 401) this.host.sessionExpired();
        this.state = { kind: 'error', error, retrying: false };
        this.host.update();
      },
    );
  }

  /** Loads again, after the `Retry-After` the service asked for, if any, has passed. */
  retry(): void {
    if (this.state.kind !== 'error') return this.load();
    const { error } = this.state;
    const wait = error.retryAfter === null ? 0 : error.at + error.retryAfter * 1000 - Date.now();
    if (wait <= 0) return this.load();
    this.state = { kind: 'error', error, retrying: true };
    this.host.update();
    this.clearRetry();
    this.retryTimer = setTimeout(() => this.load(), wait);
  }

  get value(): T | undefined {
    return this.state.kind === 'ready' ? this.state.value : undefined;
  }

  dispose(): void {
    this.generation++;
    this.cancel();
  }

  private cancel(): void {
    this.clearRetry();
    this.controller?.abort();
    this.controller = null;
  }

  private clearRetry(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }
}

