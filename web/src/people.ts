/**
 * The Activity table's logic (no DOM): sorting individuals by any column, either way, and
 * searching them by name, e-mail or company (case and accents left out).
 */
import type { IndividualSummary } from './api-types';
import { fold } from './coverage';

export type SortKey = 'name' | 'email' | 'company' | 'sources' | 'files_viewed' | 'downloads' | 'orders' | 'first_at' | 'last_at';
export type SortDirection = 'ascending' | 'descending';

export interface SortOrder {
  key: SortKey;
  direction: SortDirection;
}

const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });

/** The value a column sorts by; null (no value) sorts last both ways. */
function sortValue(person: IndividualSummary, key: SortKey, sources: (p: IndividualSummary) => string): string | number | null {
  switch (key) {
    case 'name':
      return person.name || person.email || null;
    case 'email':
      return person.email || null;
    case 'company':
      return person.company_name || null;
    case 'sources':
      return sources(person) || null;
    case 'files_viewed':
    case 'downloads':
    case 'orders':
      return person[key];
    case 'first_at':
    case 'last_at': {
      const at = person[key];
      if (!at) return null;
      const ms = Date.parse(at);
      return Number.isNaN(ms) ? null : ms;
    }
  }
}

function compareValues(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return collator.compare(String(a), String(b));
}

/**
 * A sorted copy: by the column, either way; people without a value last either way; ties by
 * name, then id, so the order is the same on every load.
 */
export function sortPeople(
  people: readonly IndividualSummary[],
  order: SortOrder,
  sources: (p: IndividualSummary) => string = (p) => p.sources.join(', '),
): IndividualSummary[] {
  const sign = order.direction === 'ascending' ? 1 : -1;
  const keyed = people.map((person) => ({ person, value: sortValue(person, order.key, sources) }));
  keyed.sort((x, y) => {
    if (x.value === null || y.value === null) {
      if (x.value !== y.value) return x.value === null ? 1 : -1;
    } else {
      const c = compareValues(x.value, y.value);
      if (c !== 0) return sign * c;
    }
    const byName = collator.compare(x.person.name || x.person.email || '', y.person.name || y.person.email || '');
    if (byName !== 0) return byName;
    return x.person.individual_id < y.person.individual_id ? -1 : x.person.individual_id > y.person.individual_id ? 1 : 0;
  });
  return keyed.map((k) => k.person);
}

/** Clicking a column's header: a new column sorts ascending, the same column turns around. */
export function nextOrder(current: SortOrder, key: SortKey): SortOrder {
  if (current.key !== key) return { key, direction: 'ascending' };
  return { key, direction: current.direction === 'ascending' ? 'descending' : 'ascending' };
}

/** True when every word of the query is in the person's name, e-mail or company. */
export function matchesSearch(person: IndividualSummary, query: string): boolean {
  const words = fold(query).split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) return true;
  const haystack = fold([person.name, person.email, person.company_name].filter(Boolean).join(' '));
  return words.every((word) => haystack.includes(word));
}

export function searchPeople(people: readonly IndividualSummary[], query: string): IndividualSummary[] {
  return people.filter((person) => matchesSearch(person, query));
}
