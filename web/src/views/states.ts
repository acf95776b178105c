/** The loading, empty and error states every view shows the same way. */
import { html, nothing, type TemplateResult } from 'lit-html';
import type { ApiError } from '../api';
import type { Host } from '../host';
import type { Loader } from '../loader';

export function loading(what = 'Loading…'): TemplateResult {
  return html`<p class="loading" data-testid="loading" role="status"><span class="spinner" aria-hidden="true"></span>${what}</p>`;
}

export function empty(text = 'No activity yet'): TemplateResult {
  return html`<p class="empty" data-testid="empty">${text}</p>`;
}

export interface ErrorWording {
  /** What a 404 means here (default: the job). */
  notFound?: string;
}

export function errorMessage(error: ApiError, wording: ErrorWording = {}): string {
  switch (error.status) {
    case 0:
      return `${error.message}. Check the connection and retry.`;
    case 401:
      return 'Your session has expired, sign in again';
    case 403:
      return `Not allowed: ${error.message}`;
    case 404:
      return wording.notFound ?? 'No such job (or not visible to you)';
    case 503:
      return 'The service is busy, retry';
    default:
      return `${error.message} (${error.code}, HTTP ${error.status})`;
  }
}

/** An error box: the message, and the one action that helps (sign in, or retry). */
export function errorBox(
  host: Host,
  error: ApiError,
  options: ErrorWording & { retry?: () => void; retrying?: boolean } = {},
): TemplateResult {
  const canRetry = options.retry !== undefined && (error.status === 0 || error.status === 503 || error.status >= 500);
  const waitNote =
    error.status === 503 && error.retryAfter !== null ? html` <span class="muted">(the service asked to wait ${error.retryAfter} s)</span>` : nothing;
  return html`<div class="error" role="alert" data-testid="error">
    <p><strong>${errorMessage(error, options)}</strong>${waitNote}</p>
    ${error.status === 401
      ? html`<button type="button" @click=${() => host.focusSignIn()}>Sign in</button>`
      : canRetry
        ? html`<button type="button" ?disabled=${options.retrying === true} @click=${options.retry}>
            ${options.retrying ? 'Retrying…' : 'Retry'}
          </button>`
        : nothing}
  </div>`;
}

/** Renders a loader: its spinner, its error box (with retry), or `ready(value)`. */
export function whenLoaded<T>(
  host: Host,
  loader: Loader<T>,
  ready: (value: T) => TemplateResult | typeof nothing,
  wording: ErrorWording & { loadingText?: string } = {},
): TemplateResult | typeof nothing {
  const state = loader.state;
  switch (state.kind) {
    case 'loading':
      return loading(wording.loadingText);
    case 'error':
      return errorBox(host, state.error, { ...wording, retry: () => loader.retry(), retrying: state.retrying });
    case 'ready':
      return ready(state.value);
  }
}
