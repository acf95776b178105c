/** The job every job page is about: loaded first, its time zone formats every time shown. */
import { html, nothing, type TemplateResult } from 'lit-html';
import { call } from '../api';
import type { JobInfo } from '../api-types';
import type { Host } from '../host';
import { Loader } from '../loader';
import { rememberJob } from '../recent';

export function jobLoader(host: Host, jobId: string): Loader<JobInfo> {
  const loader = new Loader(host, async (signal) => {
    const job = await call(host.api.GET('/v1/jobs/{job_id}', { params: { path: { job_id: jobId } }, signal }));
    rememberJob(jobId);
    return job;
  });
  loader.load();
  return loader;
}

export function jobSubtitle(job: JobInfo): TemplateResult {
  return html`<p class="subtitle">
    ${job.number ? html`Job no. ${job.number} · ` : nothing}${job.company_name ? html`${job.company_name} · ` : nothing}Times in
    <strong>${job.time_zone}</strong>${job.is_demo ? html` · <span class="badge">demo</span>` : nothing}
  </p>`;
}

export function jobDisplayName(job: JobInfo): string {
  return job.name || job.job_id;
}
