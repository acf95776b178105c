/** The typed API client (openapi-fetch over the generated paths) and the one error type views show. */
import createClient, { type Client } from 'openapi-fetch';
import type { ApiErrorBody, paths } from './api-types';

export type Api = Client<paths>;

/** Creates the client; `token()` is read on every request, so signing in or out needs no new client. */
export function createApi(baseUrl: string, token: () => string | null): Api {
  const client = createClient<paths>({ baseUrl: baseUrl.replace(/\/+$/, '') });
  client.use({
    onRequest({ request }) {
      const bearer = token();
      if (bearer) request.headers.set('Authorization', `Bearer ${bearer}`);
      return request;
    },
  });
  return client;
}

/** An answer that is not a success, or no answer at all (`status` 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds the service asked to wait (`Retry-After`), for 503s. */
    readonly retryAfter: number | null = null,
    readonly at: number = Date.now(),
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get isAbort(): boolean {
    return this.code === 'aborted';
  }
}

type Answer<T> = { data?: T; error?: unknown; response: Response };

/**
 * Awaits an openapi-fetch call and returns its data, or throws an ApiError built from the API's
 * `{"error": {"code", "message"}}` body, the status and `Retry-After`.
 */
export async function call<T>(request: Promise<Answer<T>>): Promise<T> {
  let answer: Answer<T>;
  try {
    answer = await request;
  } catch (cause) {
    throw toApiError(cause);
  }
  const { data, error, response } = answer;
  if (response.ok && error === undefined) return data as T;
  throw errorFromAnswer(response, error);
}

export function toApiError(cause: unknown): ApiError {
  if (cause instanceof ApiError) return cause;
  if (cause instanceof DOMException && cause.name === 'AbortError') {
    return new ApiError(0, 'aborted', 'The request was cancelled');
  }
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new ApiError(0, 'network', `Could not reach the service (${detail})`);
}

/**
 * The error of an answer: the API's `{"error": {"code", "message"}}`, or API Gateway's own
 * `{"message"}` (its JWT authorizer's 401, throttling's 429, a crashed or timed-out function).
 */
export function errorFromAnswer(response: Response, body: unknown): ApiError {
  const parsed = isErrorBody(body) ? body.error : null;
  const gateway = isGatewayBody(body) ? body.message : null;
  const retryAfter = parseRetryAfter(response.headers.get('Retry-After'));
  return new ApiError(
    response.status,
    parsed?.code ?? `http_${response.status}`,
    parsed?.message ?? gateway ?? (response.statusText || `HTTP ${response.status}`),
    response.status === 503 || response.status === 429 ? (retryAfter ?? 1) : retryAfter,
  );
}

function isGatewayBody(body: unknown): body is { message: string } {
  return typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string';
}

function isErrorBody(body: unknown): body is ApiErrorBody {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const inner = (body as { error: unknown }).error;
  return typeof inner === 'object' && inner !== null && 'code' in inner && 'message' in inner;
}

/** `Retry-After` as seconds (delta form or HTTP date); null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - now) / 1000));
}
