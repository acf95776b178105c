import { describe, expect, it } from 'vitest';
import { errorFromAnswer } from './api';

function answer(status: number, headers: Record<string, string> = {}): Response {
  return new Response(null, { status, headers });
}

describe('errorFromAnswer', () => {
  it("reads the API's own error body", () => {
    const error = errorFromAnswer(answer(404), { error: { code: 'not_found', message: 'no such job' } });
    expect([error.status, error.code, error.message]).toEqual([404, 'not_found', 'no such job']);
  });

  it("reads API Gateway's own answers, which carry only a message", () => {
    const error = errorFromAnswer(answer(401), { message: 'Unauthorized' });
    expect([error.status, error.code, error.message]).toEqual([401, 'http_401', 'Unauthorized']);
    const throttled = errorFromAnswer(answer(429), { message: 'Too Many Requests' });
    expect(throttled.retryAfter).toBe(1);
  });
});
