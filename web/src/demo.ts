/** The demo job and blast the "Create demo job and blast" button registers (staff, dev server). */
import type { BlastInput, JobInput } from './api-types';

export const DEMO_JOB_ID = 'job-demo';

export const DEMO_JOB: JobInput = {
  name: 'Elm Street School',
  number: '24-017',
  company_id: 'acme',
  company_name: 'ACME Construction',
  time_zone: 'America/Chicago',
};

/**
 * The demo blast, said to have gone out an hour before `now`: the scanner rules take a click
 * within 30 s of sending for an e-mail scanner's, and the demo's links are meant to be opened by a
 * person right away.
 */
export function demoBlast(now: Date = new Date()): BlastInput {
  return { ...DEMO_BLAST, sent_at: new Date(now.getTime() - 3600_000).toISOString() };
}

export const DEMO_BLAST: BlastInput = {
  name: 'Addendum 3',
  recipients: [
    { contact_id: 'c-1', email: 'zoe@bidder.test', name: 'Zoë Ångström', company_name: 'Bidder Co' },
    { contact_id: 'c-2', email: 'sam@builder.test', name: 'Sam Builder', company_name: 'Builder Inc' },
  ],
  targets: [{ kind: 'file', id: 'add-3', name: 'Addendum 3.pdf', action: 'view' }],
};

/** Names the demo planroom page shows for the demo's ids. */
export const DEMO_NAMES: Readonly<Record<string, string>> = {
  'job:job-demo': 'Elm Street School',
  'file:add-3': 'Addendum 3.pdf',
};
