/** Job ids opened lately, newest first, kept in localStorage. */
const RECENT_KEY = 'activity.recentJobs';
const MAX_RECENT = 8;

export function recentJobs(): string[] {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]');
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string').slice(0, MAX_RECENT) : [];
  } catch {
    return [];
  }
}

export function rememberJob(jobId: string): void {
  const jobs = [jobId, ...recentJobs().filter((id) => id !== jobId)].slice(0, MAX_RECENT);
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify(jobs));
  } catch {
    // Storage refused: nothing remembered.
  }
}
