/** `#/jobs/{job_id}/files/{file_id}`: who opened a file, and which blast recipients have not. */
import { html, nothing, type TemplateResult } from 'lit-html';
import { call } from '../api';
import type { AccessRecord, JobInfo } from '../api-types';
import { activityLabel, orDash } from '../format';
import type { Host, View } from '../host';
import { Loader } from '../loader';
import { href } from '../router';
import { BlastsPanel } from './blasts';
import { jobDisplayName, jobLoader, jobSubtitle } from './job-header';
import { CursorPager, pagerControls } from './pager';
import { empty, loading, whenLoaded } from './states';
import { time } from './time';

const PAGE_SIZE = 25;

type FileActivity = {
  accessed: AccessRecord[];
  not_accessed: { email: string; name: string; blast_id: string }[];
  next_cursor: string | null;
};

export class FileView implements View {
  private readonly job: Loader<JobInfo>;
  private readonly activity: Loader<FileActivity>;
  private readonly blasts: BlastsPanel;
  private readonly pager = new CursorPager();

  constructor(
    private readonly host: Host,
    private readonly jobId: string,
    private readonly fileId: string,
  ) {
    this.job = jobLoader(host, jobId);
    this.activity = new Loader(host, (signal) =>
      call(
        host.api.GET('/v1/jobs/{job_id}/files/{file_id}/activity', {
          params: {
            path: { job_id: jobId, file_id: fileId },
            query: { limit: PAGE_SIZE, ...(this.pager.cursor ? { cursor: this.pager.cursor } : {}) },
          },
          signal,
        }),
      ),
    );
    this.activity.load();
    // For the file's name (from the blasts that link to it) and the blasts' names.
    this.blasts = new BlastsPanel(host, jobId);
  }

  get title(): string {
    return `${this.fileName()} · Activity`;
  }

  /** The file's name as a record or a blast target names it, else its id. */
  private fileName(): string {
    const record = this.activity.lastValue?.accessed.find((r) => r.object.name);
    if (record) return record.object.name;
    for (const blast of this.blasts.loader.value?.items ?? []) {
      const target = blast.targets.find((t) => t.kind === 'file' && t.id === this.fileId && t.name);
      if (target?.name) return target.name;
    }
    return this.fileId;
  }

  render(): TemplateResult {
    return html`${whenLoaded(this.host, this.job, (job) => this.page(job), { loadingText: 'Loading the job…' })}`;
  }

  private page(job: JobInfo): TemplateResult {
    const shown = this.activity.state.kind === 'loading' ? this.activity.lastValue : undefined;
    return html`
      <p class="breadcrumb"><a href=${href.job(this.jobId)}>← Back to ${jobDisplayName(job)}</a></p>
      <h1>${this.fileName()}</h1>
      ${jobSubtitle(job)}
      ${shown
        ? html`${loading('Loading the page…')}${this.lists(shown, job.time_zone)}`
        : whenLoaded(this.host, this.activity, (activity) => this.lists(activity, job.time_zone), {
            loadingText: 'Loading who opened it…',
          })}
    `;
  }

  private lists(activity: FileActivity, timeZone: string): TemplateResult {
    const blastNames = this.blasts.names();
    return html`
      <section aria-labelledby="opened-heading">
        <h2 id="opened-heading">Opened</h2>
        <div data-testid="file-opened">
          ${activity.accessed.length === 0 && !this.pager.hasPrevious ? empty('No one has opened it yet') : this.opened(activity, timeZone)}
        </div>
        ${activity.next_cursor || this.pager.hasPrevious
          ? pagerControls({ pager: this.pager, nextCursor: activity.next_cursor, onChange: () => this.activity.load(), label: 'Opened' })
          : nothing}
      </section>
      <section aria-labelledby="not-opened-heading">
        <h2 id="not-opened-heading">Not opened</h2>
        <div data-testid="file-not-opened">
          ${activity.next_cursor
            ? html`<p class="muted">Blast recipients who have not opened it are listed with the last page of “Opened”.</p>`
            : activity.not_accessed.length === 0
              ? html`<p class="muted">Every blast recipient of this job has opened it (or no blast was sent).</p>`
              : html`<ul class="people">
                  ${activity.not_accessed.map(
                    (person) => html`<li>
                      ${person.name ? html`<strong>${person.name}</strong> ` : nothing}&lt;${person.email}&gt;
                      <span class="muted">· ${blastNames.get(person.blast_id) ?? person.blast_id}</span>
                    </li>`,
                  )}
                </ul>`}
        </div>
      </section>
    `;
  }

  private opened(activity: FileActivity, timeZone: string): TemplateResult {
    return html`<div class="table-scroll">
      <table>
        <caption class="visually-hidden">Who opened ${this.fileName()}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">E-mail</th>
            <th scope="col">Activity</th>
            <th scope="col">First</th>
            <th scope="col">Last</th>
            <th scope="col" class="num">Count</th>
          </tr>
        </thead>
        <tbody>
          ${activity.accessed.map(
            (record) => html`<tr>
              <th scope="row"><a href=${href.individual(this.jobId, record.individual_id)}>${record.name || record.email || 'Unnamed'}</a></th>
              <td>${orDash(record.email)}</td>
              <td>${activityLabel(record.activity)}${record.automated ? html` <span class="badge">automated</span>` : nothing}</td>
              <td>${time(record.first_at, timeZone)}</td>
              <td>${time(record.last_at, timeZone)}</td>
              <td class="num">${record.count}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
  }

  dispose(): void {
    this.job.dispose();
    this.activity.dispose();
    this.blasts.dispose();
  }
}
