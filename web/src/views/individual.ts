/** `#/jobs/{job_id}/individuals/{individual_id}`: one person's first accesses in the job. */
import { html, nothing, type TemplateResult } from 'lit-html';
import { call } from '../api';
import type { AccessRecord, IndividualSummary, JobInfo } from '../api-types';
import { ExportRunner } from '../exports';
import { activityLabel, orDash, sourceLabel } from '../format';
import type { Host, View } from '../host';
import { Loader } from '../loader';
import { href } from '../router';
import { BlastsPanel } from './blasts';
import { jobDisplayName, jobLoader, jobSubtitle } from './job-header';
import { CursorPager, pagerControls } from './pager';
import { reportButtons } from './reports';
import { empty, loading, whenLoaded } from './states';
import { time } from './time';

const PAGE_SIZE = 25;
const NOT_FOUND = 'No such individual in this job (or not visible to you)';

type Detail = { individual: IndividualSummary; items: AccessRecord[]; next_cursor: string | null };

export class IndividualView implements View {
  private readonly job: Loader<JobInfo>;
  private readonly detail: Loader<Detail>;
  private readonly blasts: BlastsPanel;
  private readonly pager = new CursorPager();
  private readonly reports: ExportRunner;

  constructor(
    private readonly host: Host,
    private readonly jobId: string,
    private readonly individualId: string,
  ) {
    this.job = jobLoader(host, jobId);
    this.detail = new Loader(host, (signal) =>
      call(
        host.api.GET('/v1/jobs/{job_id}/activity/individuals/{individual_id}', {
          params: {
            path: { job_id: jobId, individual_id: individualId },
            query: { limit: PAGE_SIZE, ...(this.pager.cursor ? { cursor: this.pager.cursor } : {}) },
          },
          signal,
        }),
      ),
    );
    this.detail.load();
    // Only for the names of the blasts in "source".
    this.blasts = new BlastsPanel(host, jobId);
    this.reports = new ExportRunner(host.api, () => host.update(), () => host.sessionExpired());
  }

  get title(): string {
    const person = this.detail.lastValue?.individual;
    return person ? `${person.name || person.email || 'Individual'} · Activity` : 'Individual · Activity';
  }

  render(): TemplateResult {
    return html`${whenLoaded(this.host, this.job, (job) => this.page(job), { loadingText: 'Loading the job…' })}`;
  }

  private page(job: JobInfo): TemplateResult {
    const shown = this.detail.state.kind === 'loading' ? this.detail.lastValue : undefined;
    return html`
      <p class="breadcrumb"><a href=${href.job(this.jobId)}>← Back to ${jobDisplayName(job)}</a></p>
      ${shown
        ? html`${loading('Loading the page…')}${this.content(shown, job)}`
        : whenLoaded(this.host, this.detail, (detail) => this.content(detail, job), {
            notFound: NOT_FOUND,
            loadingText: 'Loading the individual…',
          })}
    `;
  }

  private content(detail: Detail, job: JobInfo): TemplateResult {
    const person = detail.individual;
    const timeZone = job.time_zone;
    const blastNames = this.blasts.names();
    return html`
      <h1 data-testid="individual-name">${person.name || person.email || 'Unnamed'}</h1>
      ${jobSubtitle(job)}
      <dl class="facts">
        <div><dt>E-mail</dt><dd>${orDash(person.email)}</dd></div>
        <div><dt>Company</dt><dd>${orDash(person.company_name)}</dd></div>
        <div><dt>Came by</dt><dd>${orDash([...new Set(person.sources.map((s) => sourceLabel(s, blastNames)))].join(', '))}</dd></div>
        <div><dt>First access</dt><dd>${time(person.first_at, timeZone)}</dd></div>
        <div><dt>Last access</dt><dd>${time(person.last_at, timeZone)}</dd></div>
        <div>
          <dt>Files viewed · downloads · orders</dt>
          <dd>${person.files_viewed} · ${person.downloads} · ${person.orders}</dd>
        </div>
      </dl>

      <section aria-labelledby="individual-report-heading">
        <h2 id="individual-report-heading">Report</h2>
        ${reportButtons({
          runner: this.reports,
          jobId: this.jobId,
          kinds: ['pdf-individual'],
          individualId: this.individualId,
          timeZone,
        })}
      </section>

      <section aria-labelledby="records-heading">
        <h2 id="records-heading">Accesses</h2>
        ${detail.items.length === 0 && !this.pager.hasPrevious ? empty() : this.records(detail, timeZone, blastNames)}
      </section>
    `;
  }

  private records(detail: Detail, timeZone: string, blastNames: ReadonlyMap<string, string>): TemplateResult {
    return html`
      <div class="table-scroll">
        <table data-testid="individual-records">
          <caption class="visually-hidden">First accesses of ${detail.individual.name || detail.individual.email}</caption>
          <thead>
            <tr>
              <th scope="col">Activity</th>
              <th scope="col">Object</th>
              <th scope="col">Section</th>
              <th scope="col">First</th>
              <th scope="col">Last</th>
              <th scope="col" class="num">Count</th>
              <th scope="col">Source</th>
              <th scope="col">Device</th>
              <th scope="col">Automated</th>
            </tr>
          </thead>
          <tbody>
            ${detail.items.map((record) => this.record(record, timeZone, blastNames))}
          </tbody>
        </table>
      </div>
      ${pagerControls({ pager: this.pager, nextCursor: detail.next_cursor, onChange: () => this.detail.load(), label: 'Accesses' })}
    `;
  }

  private record(record: AccessRecord, timeZone: string, blastNames: ReadonlyMap<string, string>): TemplateResult {
    const objectName = record.object.name || record.object.id;
    return html`<tr>
      <th scope="row">${activityLabel(record.activity)}</th>
      <td>
        <span class="kind">${record.object.kind}</span>
        ${record.object.kind === 'file'
          ? html`<a href=${href.file(this.jobId, record.object.id)}>${objectName}</a>`
          : objectName}
      </td>
      <td>${record.section ? record.section.name || record.section.id : html`<span class="muted">—</span>`}</td>
      <td>${time(record.first_at, timeZone)}</td>
      <td>${time(record.last_at, timeZone)}</td>
      <td class="num">${record.count}</td>
      <td>${sourceLabel(record.source, blastNames)}</td>
      <td>${orDash(record.device)}</td>
      <td>${record.automated ? html`Yes${record.automated_reason ? ` (${record.automated_reason})` : nothing}` : 'No'}</td>
    </tr>`;
  }

  dispose(): void {
    this.job.dispose();
    this.detail.dispose();
    this.blasts.dispose();
    this.reports.dispose();
  }
}
