import { describe, expect, it } from 'vitest';
import type { IndividualSummary } from './api-types';
import { matchesSearch, nextOrder, searchPeople, sortPeople, type SortKey } from './people';

function person(id: string, fields: Partial<IndividualSummary>): IndividualSummary {
  return {
    individual_id: id,
    name: '',
    email: null,
    company_name: null,
    sources: [],
    files_viewed: 0,
    downloads: 0,
    orders: 0,
    first_at: null,
    last_at: null,
    automated_hits: 0,
    ...fields,
  };
}

const people = [
  person('1', { name: 'Zoë Ångström', email: 'zoe@bidder.test', company_name: 'Bidder Co', files_viewed: 2, first_at: '2026-12-01T10:00:00Z', sources: ['b-1'] }),
  person('2', { name: 'Bidder 10', email: 'b10@bidders.test', company_name: 'Bidders', files_viewed: 1, first_at: '2026-12-01T09:00:00Z', sources: ['login'] }),
  person('3', { name: 'Bidder 2', email: 'b2@bidders.test', company_name: 'Bidders', files_viewed: 3 }),
  person('4', { name: 'ann', email: null, company_name: 'Älpha Mechanical', downloads: 5, first_at: '2026-12-02T09:00:00Z' }),
];

const ids = (list: IndividualSummary[]): string[] => list.map((p) => p.individual_id);

describe('sortPeople', () => {
  it('sorts names naturally, whatever their case, both ways', () => {
    expect(ids(sortPeople(people, { key: 'name', direction: 'ascending' }))).toEqual(['4', '3', '2', '1']);
    expect(ids(sortPeople(people, { key: 'name', direction: 'descending' }))).toEqual(['1', '2', '3', '4']);
  });

  it('sorts numbers as numbers and keeps ties in name order', () => {
    expect(ids(sortPeople(people, { key: 'files_viewed', direction: 'descending' }))).toEqual(['3', '1', '2', '4']);
    expect(ids(sortPeople(people, { key: 'downloads', direction: 'ascending' }))).toEqual(['3', '2', '1', '4']);
  });

  it('sorts instants and puts people without one last, both ways', () => {
    expect(ids(sortPeople(people, { key: 'first_at', direction: 'ascending' }))).toEqual(['2', '1', '4', '3']);
    expect(ids(sortPeople(people, { key: 'first_at', direction: 'descending' }))).toEqual(['4', '1', '2', '3']);
    expect(ids(sortPeople(people, { key: 'email', direction: 'descending' })).at(-1)).toBe('4');
  });

  it('sorts companies with accents where they belong', () => {
    expect(ids(sortPeople(people, { key: 'company', direction: 'ascending' }))).toEqual(['4', '1', '3', '2']);
  });

  it('sorts sources by their labels', () => {
    const labels = (p: IndividualSummary): string => p.sources.map((s) => (s === 'login' ? 'Login' : 'Blast “Addendum”')).join(', ');
    // "Blast …" before "Login"; no sources last, in name order.
    expect(ids(sortPeople(people, { key: 'sources', direction: 'ascending' }, labels))).toEqual(['1', '2', '4', '3']);
    expect(ids(sortPeople(people, { key: 'sources', direction: 'descending' }, labels))).toEqual(['2', '1', '4', '3']);
  });

  it('does not change the list it is given', () => {
    const copy = [...people];
    sortPeople(people, { key: 'name', direction: 'ascending' });
    expect(people).toEqual(copy);
  });

  it('sorts by every column without throwing', () => {
    const keys: SortKey[] = ['name', 'email', 'company', 'sources', 'files_viewed', 'downloads', 'orders', 'first_at', 'last_at'];
    for (const key of keys) {
      const up = ids(sortPeople(people, { key, direction: 'ascending' }));
      expect(new Set(up).size, key).toBe(people.length);
    }
  });
});

describe('nextOrder', () => {
  it('turns the same column around and starts a new one ascending', () => {
    const byName = { key: 'name', direction: 'ascending' } as const;
    expect(nextOrder(byName, 'name')).toEqual({ key: 'name', direction: 'descending' });
    expect(nextOrder(nextOrder(byName, 'name'), 'name')).toEqual(byName);
    expect(nextOrder({ key: 'name', direction: 'descending' }, 'company')).toEqual({ key: 'company', direction: 'ascending' });
  });
});

describe('search', () => {
  it('finds a person by name, e-mail or company, whatever the case and accents', () => {
    expect(ids(searchPeople(people, 'zoe'))).toEqual(['1']);
    expect(ids(searchPeople(people, 'ANGSTROM'))).toEqual(['1']);
    expect(ids(searchPeople(people, 'alpha'))).toEqual(['4']);
    expect(ids(searchPeople(people, 'bidders.test'))).toEqual(['2', '3']);
  });

  it('needs every word, anywhere', () => {
    expect(ids(searchPeople(people, 'bidders 10'))).toEqual(['2']);
    expect(matchesSearch(people[0] as IndividualSummary, 'zoë nobody')).toBe(false);
  });

  it('keeps everyone for an empty query', () => {
    expect(searchPeople(people, '  ')).toHaveLength(4);
  });
});
