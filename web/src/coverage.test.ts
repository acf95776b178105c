import { describe, expect, it } from 'vitest';
import type { CoverageColumn, CoverageRow, CoverageStep } from './api-types';
import { columnCounts, filterRows, fold, lacks, peopleByCompany, reminderOf, rowKey, stepOf, STEPS } from './coverage';

const FILES = ['add-1', 'add-3'];

function row(name: string, steps: CoverageStep[], extra: Partial<CoverageRow> = {}): CoverageRow {
  const cells = steps.map((step, i) => ({ file_id: FILES[i] ?? `f-${i}`, step }));
  const viewed = steps.filter((s) => !lacks(s)).length;
  return { company_name: name, cells, viewed, missing: steps.length - viewed, ...extra };
}

function column(fileId: string, blast: string | null, name = `${fileId}.pdf`): CoverageColumn {
  return { file_id: fileId, name, first_sent_by: blast, first_sent_in: blast ? `Blast ${blast}` : null, first_sent_at: null };
}

describe('steps', () => {
  it('orders the steps and draws the line at viewed', () => {
    expect(STEPS).toEqual(['not_sent', 'sent', 'opened', 'viewed', 'downloaded', 'ordered']);
    expect(STEPS.map(lacks)).toEqual([true, true, true, false, false, false]);
    expect(lacks(undefined)).toBe(true);
  });

  it('reads a row’s step by file, not_sent when it has no cell', () => {
    const r = row('Alpha', ['viewed', 'opened']);
    expect(stepOf(r, 'add-3')).toBe('opened');
    expect(stepOf(r, 'add-9')).toBe('not_sent');
  });
});

describe('filterRows', () => {
  const rows = [
    row('Alpha', ['viewed', 'sent']),
    row('Beta', ['downloaded', 'opened']),
    row('Gamma', ['ordered', 'viewed']),
    row('Delta', ['sent', 'not_sent']),
  ];
  const names = (rs: CoverageRow[]): (string | null)[] => rs.map((r) => r.company_name);

  it('keeps everyone without a filter', () => {
    expect(names(filterRows(rows, { missingOnly: false, fileId: null }))).toEqual(['Alpha', 'Beta', 'Gamma', 'Delta']);
  });

  it('keeps the rows missing a file', () => {
    expect(names(filterRows(rows, { missingOnly: true, fileId: null }))).toEqual(['Alpha', 'Beta', 'Delta']);
  });

  it('keeps the rows below viewed for one file: who has not opened it', () => {
    expect(names(filterRows(rows, { missingOnly: false, fileId: 'add-3' }))).toEqual(['Alpha', 'Beta', 'Delta']);
    expect(names(filterRows(rows, { missingOnly: false, fileId: 'add-1' }))).toEqual(['Delta']);
  });

  it('counts who has each file', () => {
    expect(columnCounts(rows, 'add-1')).toEqual({ has: 3, of: 4 });
    expect(columnCounts(rows, 'add-3')).toEqual({ has: 1, of: 4 });
  });
});

describe('peopleByCompany', () => {
  const ann = row('Alpha Mechanical', ['viewed'], { individual_id: 'i-ann', name: 'Ann' });
  const al = row('ALPHA MECHANICAL', ['sent'], { individual_id: 'i-al', name: 'Al' });
  const bo = row('Béta Electric', ['sent'], { individual_id: 'i-bo', name: 'Bo' });
  const solo = row('', ['sent'], { company_name: null, individual_id: 'i-solo', name: 'Solo' });
  const people = [al, ann, bo, solo];

  it('groups by the company row’s individuals, in the people’s order', () => {
    const alpha = row('Alpha Mechanical', ['viewed'], { individuals: ['i-ann', 'i-al'] });
    const groups = peopleByCompany([alpha, solo], people);
    expect(groups.get(rowKey(alpha))?.map((p) => p.name)).toEqual(['Al', 'Ann']);
    expect(groups.has(rowKey(solo))).toBe(false);
  });

  it('falls back to the company’s name, whatever its case and accents', () => {
    const beta = row('beta electric', ['sent']);
    const alpha = row('alpha mechanical', ['viewed']);
    const groups = peopleByCompany([alpha, beta], people);
    expect(groups.get(rowKey(alpha))?.map((p) => p.name)).toEqual(['Al', 'Ann']);
    expect(groups.get(rowKey(beta))?.map((p) => p.name)).toEqual(['Bo']);
  });

  it('folds case and accents', () => {
    expect(fold(' Clínica ÅNGSTRÖM ')).toBe('clinica angstrom');
    expect(rowKey(row('Béta', []))).toBe(rowKey(row('BETA', [])));
  });
});

describe('reminderOf', () => {
  const columns = [column('add-1', 'b-1'), column('add-2', 'b-1'), column('add-3', 'b-3'), column('spec', null)];

  it('reminds of the blast that first sent the file, naming its other files', () => {
    expect(reminderOf(columns, 'add-3')).toEqual({ blastId: 'b-3', blastName: 'Blast b-3', otherFiles: [] });
    expect(reminderOf(columns, 'add-1')).toEqual({ blastId: 'b-1', blastName: 'Blast b-1', otherFiles: ['add-2.pdf'] });
  });

  it('takes the blast’s own targets when known', () => {
    const targets = [
      { kind: 'file', id: 'add-3', name: 'Addendum 3.pdf' },
      { kind: 'file', id: 'add-1', name: 'Addendum 1.pdf' },
      { kind: 'job', id: 'j', name: 'Job' },
    ];
    expect(reminderOf(columns, 'add-3', targets)?.otherFiles).toEqual(['Addendum 1.pdf']);
  });

  it('has none for a file never sent', () => {
    expect(reminderOf(columns, 'spec')).toBeNull();
    expect(reminderOf(columns, 'nope')).toBeNull();
  });
});
