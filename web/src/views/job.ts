/**
 * `#/jobs/{job_id}`: the job's coverage matrix (its first view); `#/jobs/{job_id}/activity`: its
 * Activity tab (individuals, blasts, first views and reports). Only the shown tab's data loads.
 */
import { html, nothing, type TemplateResult } from 'lit-html';
import type { JobInfo } from '../api-types';
import { ExportRunner } from '../exports';
import type { Host, View } from '../host';
import type { Loader } from '../loader';
import { href, type JobTab } from '../router';
import { BlastsPanel } from './blasts';
import { CoveragePanel } from './coverage';
import { FirstViewsPanel } from './first-views';
import { IndividualsTable } from './individuals';
import { jobDisplayName, jobLoader, jobSubtitle } from './job-header';
import { reportButtons } from './reports';
import { whenLoaded } from './states';

interface ActivityParts {
  individuals: IndividualsTable;
  blasts: BlastsPanel;
  firstViews: FirstViewsPanel;
  reports: ExportRunner;
}

const TABS: readonly { tab: JobTab; label: string; link: (jobId: string) => string }[] = [
  { tab: 'coverage', label: 'Coverage', link: href.job },
  { tab: 'activity', label: 'Activity', link: href.activity },
];

export class JobView implements View {
  private readonly job: Loader<JobInfo>;
  private readonly coverage: CoveragePanel | null = null;
  private readonly activity: ActivityParts | null = null;

  constructor(
    private readonly host: Host,
    private readonly jobId: string,
    private readonly tab: JobTab = 'coverage',
  ) {
    // Everything loads at once; the parts show once the job (and its time zone) is known.
    this.job = jobLoader(host, jobId);
    if (tab === 'coverage') {
      this.coverage = new CoveragePanel(host, jobId);
    } else {
      this.activity = {
        individuals: new IndividualsTable(host, jobId),
        blasts: new BlastsPanel(host, jobId),
        firstViews: new FirstViewsPanel(host, jobId),
        reports: new ExportRunner(host.api, () => host.update(), () => host.sessionExpired()),
      };
    }
  }

  get title(): string {
    const job = this.job.value;
    const tab = this.tab === 'coverage' ? 'Coverage' : 'Activity';
    return job ? `${jobDisplayName(job)} · ${tab}` : `Job ${this.jobId} · ${tab}`;
  }

  render(): TemplateResult {
    return html`${whenLoaded(this.host, this.job, (job) => this.page(job), { loadingText: 'Loading the job…' })}`;
  }

  private page(job: JobInfo): TemplateResult {
    return html`
      <p class="breadcrumb"><a href=${href.home()}>← All jobs</a></p>
      <h1 data-testid="job-title">
        ${jobDisplayName(job)}${job.number ? html` <span class="job-number">${job.number}</span>` : nothing}
      </h1>
      ${jobSubtitle(job)}
      <nav class="tabs" aria-label="Views of the job">
        <ul>
          ${TABS.map(
            ({ tab, label, link }) => html`<li>
              <a href=${link(this.jobId)} data-testid=${`tab-${tab}`} aria-current=${tab === this.tab ? 'page' : nothing}>${label}</a>
            </li>`,
          )}
        </ul>
      </nav>
      ${this.coverage ? this.coverage.render(job.time_zone) : nothing} ${this.activity ? this.activityTab(this.activity, job) : nothing}
    `;
  }

  private activityTab(parts: ActivityParts, job: JobInfo): TemplateResult {
    const timeZone = job.time_zone;
    return html`
      <section aria-labelledby="reports-heading">
        <h2 id="reports-heading">Reports</h2>
        ${reportButtons({
          runner: parts.reports,
          jobId: this.jobId,
          kinds: ['csv-detailed', 'pdf-summary', 'pdf-detailed'],
          timeZone,
        })}
      </section>

      <section aria-labelledby="individuals-heading">
        <h2 id="individuals-heading">Individuals</h2>
        ${parts.individuals.render(timeZone, parts.blasts.names())}
      </section>

      <section aria-labelledby="blasts-heading">
        <h2 id="blasts-heading">Blasts &amp; engagement</h2>
        ${parts.blasts.render(timeZone)}
      </section>

      <section aria-labelledby="first-views-heading">
        <h2 id="first-views-heading">First views over time</h2>
        ${parts.firstViews.render(timeZone)}
      </section>
    `;
  }

  dispose(): void {
    this.job.dispose();
    this.coverage?.dispose();
    if (this.activity) {
      this.activity.individuals.dispose();
      this.activity.blasts.dispose();
      this.activity.firstViews.dispose();
      this.activity.reports.dispose();
    }
  }
}
