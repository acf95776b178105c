/** Hash routes of the Activity app (static hosting needs no server-side routes). */

/** A job's views: the coverage matrix (its first), and the activity (people, blasts, reports). */
export type JobTab = 'coverage' | 'activity';

export type Route =
  | { name: 'home' }
  | { name: 'dataset' }
  | { name: 'job'; jobId: string; tab: JobTab }
  | { name: 'individual'; jobId: string; individualId: string }
  | { name: 'file'; jobId: string; fileId: string }
  | { name: 'not-found'; hash: string };

/**
 * Parses `#/` (the jobs), `#/jobs/{job}` (its coverage), `#/jobs/{job}/activity`,
 * `#/jobs/{job}/individuals/{id}`, `#/jobs/{job}/files/{id}` and `#/dataset` (the User
 * Activity dataset over any window).
 */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/^\/+|\/+$/g, '');
  if (path === '') return { name: 'home' };
  if (path === 'dataset') return { name: 'dataset' };
  const segments = path.split('/').map(decodeSegment);
  if (segments.some((s) => s === null || s === '')) return { name: 'not-found', hash };
  const [first, jobId, kind, id, ...rest] = segments as string[];
  if (first !== 'jobs' || jobId === undefined || rest.length > 0) return { name: 'not-found', hash };
  if (kind === undefined) return { name: 'job', jobId, tab: 'coverage' };
  if (kind === 'activity' && id === undefined) return { name: 'job', jobId, tab: 'activity' };
  if (id === undefined) return { name: 'not-found', hash };
  if (kind === 'individuals') return { name: 'individual', jobId, individualId: id };
  if (kind === 'files') return { name: 'file', jobId, fileId: id };
  return { name: 'not-found', hash };
}

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

const enc = encodeURIComponent;

export const href = {
  home: (): string => '#/',
  dataset: (): string => '#/dataset',
  job: (jobId: string): string => `#/jobs/${enc(jobId)}`,
  activity: (jobId: string): string => `#/jobs/${enc(jobId)}/activity`,
  individual: (jobId: string, individualId: string): string => `#/jobs/${enc(jobId)}/individuals/${enc(individualId)}`,
  file: (jobId: string, fileId: string): string => `#/jobs/${enc(jobId)}/files/${enc(fileId)}`,
};

export function navigate(to: string): void {
  location.hash = to;
}
