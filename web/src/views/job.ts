/** `#/jobs/{job_id}`: the job's Activity tab, its blasts, its first views and its reports. */
import { html, nothing, type TemplateResult } from 'lit-html';
import type { JobInfo } from '../api-types';
import { ExportRunner } from '../exports';
import type { Host, View } from '../host';
import type { Loader } from '../loader';
import { BlastsPanel } from './blasts';
import { FirstViewsPanel } from './first-views';
import { IndividualsTable } from './individuals';
import { jobDisplayName, jobLoader, jobSubtitle } from './job-header';
import { reportButtons } from './reports';
import { whenLoaded } from './states';

export class JobView implements View {
  private readonly job: Loader<JobInfo>;
  private readonly individuals: IndividualsTable;
  private readonly blasts: BlastsPanel;
  private readonly firstViews: FirstViewsPanel;
  private readonly reports: ExportRunner;

  constructor(
    private readonly host: Host,
    private readonly jobId: string,
  ) {
    // Everything loads at once; the parts show once the job (and its time zone) is known.
    this.job = jobLoader(host, jobId);
    this.individuals = new IndividualsTable(host, jobId);
    this.blasts = new BlastsPanel(host, jobId);
    this.firstViews = new FirstViewsPanel(host, jobId);
    this.reports = new ExportRunner(host.api, () => host.update(), () => host.sessionExpired());
  }

  get title(): string {
    const job = this.job.value;
    return job ? `${jobDisplayName(job)} · Activity` : `Job ${this.jobId} · Activity`;
  }

  render(): TemplateResult {
    return html`${whenLoaded(this.host, this.job, (job) => this.page(job), { loadingText: 'Loading the job…' })}`;
  }

  private page(job: JobInfo): TemplateResult {
    const timeZone = job.time_zone;
    return html`
      <p class="breadcrumb"><a href="#/">← All jobs</a></p>
      <h1 data-testid="job-title">
        ${jobDisplayName(job)}${job.number ? html` <span class="job-number">${job.number}</span>` : nothing}
      </h1>
      ${jobSubtitle(job)}

      <section aria-labelledby="reports-heading">
        <h2 id="reports-heading">Reports</h2>
        ${reportButtons({
          runner: this.reports,
          jobId: this.jobId,
          kinds: ['csv-detailed', 'pdf-summary', 'pdf-detailed'],
          timeZone,
        })}
      </section>

      <section aria-labelledby="individuals-heading">
        <h2 id="individuals-heading">Individuals</h2>
        ${this.individuals.render(timeZone, this.blasts.names())}
      </section>

      <section aria-labelledby="blasts-heading">
        <h2 id="blasts-heading">Blasts &amp; engagement</h2>
        ${this.blasts.render(timeZone)}
      </section>

      <section aria-labelledby="first-views-heading">
        <h2 id="first-views-heading">First views over time</h2>
        ${this.firstViews.render(timeZone)}
      </section>
    `;
  }

  dispose(): void {
    this.job.dispose();
    this.individuals.dispose();
    this.blasts.dispose();
    this.firstViews.dispose();
    this.reports.dispose();
  }
}
