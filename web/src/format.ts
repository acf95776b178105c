/** Formatting of times, counts and names, always in the job's time zone. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string, key: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const cacheKey = `${key}|${timeZone}`;
  let found = formatters.get(cacheKey);
  if (!found) {
    try {
      found = new Intl.DateTimeFormat('en-US', { ...options, timeZone });
    } catch {
      found = new Intl.DateTimeFormat('en-US', { ...options, timeZone: 'UTC' });
    }
    formatters.set(cacheKey, found);
  }
  return found;
}

/** "Nov 25, 2026, 9:00:05 AM CST" for an RFC 3339 instant, in `timeZone`. */
export function formatInstant(iso: string, timeZone: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return formatter(timeZone, 'instant', { dateStyle: 'medium', timeStyle: 'long' }).format(date);
}

/** "Nov 25, 9:00 AM" for an RFC 3339 instant, in `timeZone` (a matrix cell's room). */
export function formatShort(iso: string, timeZone: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return formatter(timeZone, 'short', { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' }).format(date);
}

/** "Nov 25, 2026" for a calendar day key `YYYY-MM-DD`. */
export function formatDay(day: string): string {
  const date = new Date(`${day}T12:00:00Z`);
  if (Number.isNaN(date.getTime())) return day;
  return formatter('UTC', 'day', { dateStyle: 'medium' }).format(date);
}

/** The calendar day (`YYYY-MM-DD`) of an instant in `timeZone`. */
export function dayKey(instant: Date | string, timeZone: string): string {
  const date = typeof instant === 'string' ? new Date(instant) : instant;
  const parts = formatter(timeZone, 'day-key', { year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** The days from `from`'s to `to`'s calendar day in `timeZone`, both included. */
export function daysBetween(from: Date, to: Date, timeZone: string): string[] {
  const last = dayKey(to, timeZone);
  const days: string[] = [];
  let cursor = dayKey(from, timeZone);
  while (cursor <= last && days.length < 400) {
    days.push(cursor);
    cursor = nextDay(cursor);
  }
  return days;
}

function nextDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}

/** Counts of instants per calendar day of `days` in `timeZone` (instants outside are dropped). */
export function countPerDay(instants: readonly string[], days: readonly string[], timeZone: string): number[] {
  const index = new Map(days.map((day, i) => [day, i]));
  const counts = days.map(() => 0);
  for (const instant of instants) {
    const i = index.get(dayKey(instant, timeZone));
    if (i !== undefined) counts[i] = (counts[i] ?? 0) + 1;
  }
  return counts;
}

/** "42 %" of `part` in `whole`, "–" when there is no whole. */
export function percent(part: number, whole: number): string {
  if (whole <= 0) return '–';
  return `${Math.round((part / whole) * 100)} %`;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

const ACTIVITY_LABELS: Record<string, string> = { view: 'Viewed', download: 'Downloaded', order: 'Ordered' };

export function activityLabel(activity: string): string {
  return ACTIVITY_LABELS[activity] ?? activity;
}

/** A source (`login` or a blast id) for people: the blast's name when known. */
export function sourceLabel(source: string, blastNames: ReadonlyMap<string, string>): string {
  if (source === 'login') return 'Login';
  const name = blastNames.get(source);
  return name ? `Blast “${name}”` : 'Blast';
}

export function orDash(value: string | null | undefined): string {
  return value === null || value === undefined || value === '' ? '—' : value;
}
