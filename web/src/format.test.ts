import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './api';
import { countPerDay, dayKey, daysBetween, formatInstant, formatShort, percent } from './format';

describe('times in the job time zone', () => {
  it('formats an instant with the zone', () => {
    expect(formatInstant('2026-11-25T15:00:05.131Z', 'America/Chicago')).toBe('Nov 25, 2026, 9:00:05 AM CST');
  });

  it('falls back to UTC for an unknown zone', () => {
    expect(formatInstant('2026-11-25T15:00:05Z', 'Not/AZone')).toBe('Nov 25, 2026, 3:00:05 PM UTC');
  });

  it('formats an instant short, for a matrix cell', () => {
    expect(formatShort('2026-11-25T15:00:05Z', 'America/Chicago').replace(/\s/g, ' ')).toBe('Nov 25, 9:00 AM');
  });

  it('puts an instant on its local calendar day', () => {
    expect(dayKey('2026-11-26T03:00:00Z', 'America/Chicago')).toBe('2026-11-25');
    expect(dayKey('2026-11-26T03:00:00Z', 'UTC')).toBe('2026-11-26');
  });

  it('counts per local day, across a DST change', () => {
    const days = daysBetween(new Date('2026-10-31T12:00:00Z'), new Date('2026-11-02T12:00:00Z'), 'America/Chicago');
    expect(days).toEqual(['2026-10-31', '2026-11-01', '2026-11-02']);
    const counts = countPerDay(
      ['2026-11-01T04:59:00Z', '2026-11-01T05:01:00Z', '2026-11-02T05:30:00Z', '2026-11-02T06:30:00Z', '2025-01-01T00:00:00Z'],
      days,
      'America/Chicago',
    );
    expect(counts).toEqual([1, 2, 1]);
  });
});

describe('small formats', () => {
  it('percent', () => {
    expect(percent(1, 2)).toBe('50 %');
    expect(percent(0, 0)).toBe('–');
  });

  it('Retry-After', () => {
    expect(parseRetryAfter('3')).toBe(3);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('Wed, 25 Nov 2026 15:00:05 GMT', Date.parse('2026-11-25T15:00:00Z'))).toBe(5);
    expect(parseRetryAfter('soon')).toBeNull();
  });
});
