/**
 * The coverage matrix's logic (no DOM): steps in order, which rows a filter keeps, a company's
 * people, and what a column's reminder would reach.
 *
 * "Has not opened a file" means a cell below `viewed` (`not_sent`, `sent` or `opened`: following
 * the e-mail's link without the file itself showing is not having the addendum). That is the
 * service's own line: a row's `missing` counts such columns, and a reminder (`until: viewed`) goes
 * to the blast's recipients below it.
 */
import type { CoverageColumn, CoverageRow, CoverageStep } from './api-types';

/** The steps, from none to furthest. */
export const STEPS: readonly CoverageStep[] = ['not_sent', 'sent', 'opened', 'viewed', 'downloaded', 'ordered'];

export const STEP_LABELS: Readonly<Record<CoverageStep, string>> = {
  not_sent: 'Not sent',
  sent: 'Sent',
  opened: 'Opened link',
  viewed: 'Viewed',
  downloaded: 'Downloaded',
  ordered: 'Ordered',
};

/** What each step means, for the legend. */
export const STEP_HINTS: Readonly<Record<CoverageStep, string>> = {
  not_sent: 'no blast sent it to them, and they never opened it',
  sent: 'a blast sent it; no sign of them yet',
  opened: 'followed the e-mail’s link, but the file itself never showed',
  viewed: 'viewed the file',
  downloaded: 'downloaded the file',
  ordered: 'ordered prints of the file',
};

/** The step a filter "who has not opened" keeps the rows below of. */
export const HAS_IT: CoverageStep = 'viewed';

export function stepRank(step: CoverageStep): number {
  return STEPS.indexOf(step);
}

/** True when the step is below `viewed`: the row does not have the file yet. */
export function lacks(step: CoverageStep | undefined): boolean {
  return step === undefined || stepRank(step) < stepRank(HAS_IT);
}

/** The row's step for a file (`not_sent` when the row has no cell for it). */
export function stepOf(row: CoverageRow, fileId: string): CoverageStep {
  return row.cells.find((cell) => cell.file_id === fileId)?.step ?? 'not_sent';
}

export interface CoverageFilter {
  /** Only the rows missing at least one file. */
  missingOnly: boolean;
  /** Only the rows that have not opened (viewed) this file. */
  fileId: string | null;
}

/** The rows a filter keeps, in their order. */
export function filterRows<R extends CoverageRow>(rows: readonly R[], filter: CoverageFilter): R[] {
  return rows.filter((row) => {
    if (filter.missingOnly && row.missing === 0) return false;
    if (filter.fileId !== null && !lacks(stepOf(row, filter.fileId))) return false;
    return true;
  });
}

/** How many rows have the file (`viewed` or better), of how many. */
export function columnCounts(rows: readonly CoverageRow[], fileId: string): { has: number; of: number } {
  let has = 0;
  for (const row of rows) if (!lacks(stepOf(row, fileId))) has++;
  return { has, of: rows.length };
}

/** A row's key: the company (folded) for a company row, else the person. */
export function rowKey(row: CoverageRow): string {
  if (row.company_name) return `company:${fold(row.company_name)}`;
  return `individual:${row.individual_id ?? row.email ?? row.name ?? ''}`;
}

/** Case and accents left out, as the service matches company names. */
export function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().trim();
}

/**
 * The people (rows of `by=individual`) of each company row (`by=company`), by the company row's
 * `individuals`, else by its name (case and accents left out); in the people rows' order. Rows of
 * one person without a company have no people to expand.
 */
export function peopleByCompany<P extends CoverageRow>(companies: readonly CoverageRow[], people: readonly P[]): Map<string, P[]> {
  const byId = new Map<string, P>();
  const order = new Map<P, number>();
  people.forEach((person, i) => {
    if (person.individual_id) byId.set(person.individual_id, person);
    order.set(person, i);
  });
  const groups = new Map<string, P[]>();
  for (const company of companies) {
    if (!company.company_name) continue;
    let members: P[];
    if (company.individuals && company.individuals.length > 0) {
      members = company.individuals.map((id) => byId.get(id)).filter((p): p is P => p !== undefined);
    } else {
      const name = fold(company.company_name);
      members = people.filter((p) => p.company_name && fold(p.company_name) === name);
    }
    members.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
    groups.set(rowKey(company), members);
  }
  return groups;
}

/** A person's display name: name, else e-mail, else their id. */
export function personLabel(row: Pick<CoverageRow, 'name' | 'email' | 'individual_id'>): string {
  return row.name || row.email || row.individual_id || 'Unnamed';
}

/**
 * The reminder of a column: the blast that first sent the file, and the other files of that blast
 * (its reminder goes to who has not viewed every one of them): from the blast's `targets` when
 * known, else the columns that blast first sent. Null for a file never sent.
 */
export function reminderOf(
  columns: readonly CoverageColumn[],
  fileId: string,
  blastTargets?: readonly { kind: string; id: string; name?: string | null }[],
): { blastId: string; blastName: string; otherFiles: string[] } | null {
  const column = columns.find((c) => c.file_id === fileId);
  if (!column?.first_sent_by) return null;
  const otherFiles = blastTargets
    ? blastTargets.filter((t) => t.kind === 'file' && t.id !== fileId).map((t) => t.name || t.id)
    : columns.filter((c) => c.first_sent_by === column.first_sent_by && c.file_id !== fileId).map((c) => c.name || c.file_id);
  return { blastId: column.first_sent_by, blastName: column.first_sent_in || 'the blast', otherFiles };
}
