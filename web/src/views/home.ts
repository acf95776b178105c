/**
 * `#/`: the jobs (searched, paged, newest first; each opens on its coverage), a job by id, and on
 * the dev server, for staff, the demo job and blast.
 */
import { html, nothing, type TemplateResult } from 'lit-html';
import { call, toApiError, type ApiError } from '../api';
import { DEMO_BLAST, DEMO_JOB, DEMO_JOB_ID, demoBlast } from '../demo';
import type { Host, View } from '../host';
import { recentJobs } from '../recent';
import { href, navigate } from '../router';
import { JobsPanel } from './jobs';
import { errorBox, loading } from './states';

type TrackedLink = { url: string; email: string; name: string; target: string };

type DemoState =
  | { phase: 'idle' }
  | { phase: 'working'; step: string }
  | { phase: 'done'; links: TrackedLink[] }
  | { phase: 'error'; error: ApiError };

export class HomeView implements View {
  readonly title = 'Activity';
  private demo: DemoState = { phase: 'idle' };
  private disposed = false;
  /** Built when signed in (the app builds a new view on signing in or out). */
  private readonly jobs: JobsPanel | null;

  constructor(private readonly host: Host) {
    this.jobs = host.auth.token !== null ? new JobsPanel(host) : null;
  }

  render(): TemplateResult {
    const recent = recentJobs();
    const signedIn = this.host.auth.token !== null;
    return html`
      <h1>Activity</h1>
      <p class="lead">Who viewed, downloaded or ordered a job's bid documents, and when they first did.</p>
      ${signedIn ? nothing : html`<p class="note">Sign in (top of the page) to see a job's activity.</p>`}
      ${signedIn && this.jobs ? this.jobs.render() : nothing}
      ${signedIn && this.host.auth.isStaff
        ? html`<p>
            <a href=${href.dataset()} data-testid="open-dataset">Query the User Activity dataset</a>
            <span class="muted">— every job, any window: counts per company, per week, per file…</span>
          </p>`
        : nothing}

      <section aria-labelledby="open-heading">
        <h2 id="open-heading">Open a job by id</h2>
        <form class="open-job" @submit=${(event: Event) => this.open(event)}>
          <label for="job-id">Job id</label>
          <input id="job-id" name="job-id" data-testid="job-id-input" value=${DEMO_JOB_ID} required autocomplete="off" spellcheck="false" />
          <button type="submit" data-testid="open-job">Open</button>
        </form>
        ${recent.length > 0
          ? html`<h3 id="recent-heading">Recent jobs</h3>
              <ul class="recent" aria-labelledby="recent-heading">
                ${recent.map((id) => html`<li><a href=${href.job(id)}>${id}</a></li>`)}
              </ul>`
          : nothing}
      </section>
      ${(this.host.auth.isStaff && this.host.config.dev_tokens) || this.demo.phase !== 'idle' ? this.demoSection() : nothing}
    `;
  }

  private open(event: Event): void {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const jobId = (new FormData(form).get('job-id') ?? '').toString().trim();
    if (jobId !== '') navigate(href.job(jobId));
  }

  private demoSection(): TemplateResult {
    const state = this.demo;
    return html`<section aria-labelledby="demo-heading" class="demo">
      <h2 id="demo-heading">Demo data</h2>
      <p>
        Registers the job <code>${DEMO_JOB_ID}</code> (${DEMO_JOB.name}) and sends the blast “${DEMO_BLAST.name}” to two
        recipients, through the API.
      </p>
      <button type="button" data-testid="create-demo" ?disabled=${state.phase === 'working'} @click=${() => void this.createDemo()}>
        Create demo job and blast
      </button>
      ${state.phase === 'working' ? loading(state.step) : nothing}
      ${state.phase === 'error' ? errorBox(this.host, state.error, { retry: () => void this.createDemo() }) : nothing}
      ${state.phase === 'done' ? this.links(state.links) : nothing}
    </section>`;
  }

  private links(links: TrackedLink[]): TemplateResult {
    return html`<div class="tracked-links" role="status">
      <p>
        Blast registered. These are the tracked links the e-mail would carry, one per recipient: open one as the recipient
        would. The link records the click and takes you to the planroom page, which records the view.
      </p>
      <ul>
        ${links.map(
          (link) => html`<li>
            <a href=${link.url} data-testid="tracked-link">Open ${link.target} as ${link.name} (${link.email})</a>
          </li>`,
        )}
      </ul>
      <p class="muted">
        The demo blast is registered as sent an hour ago: a click within 30 s of sending is taken for an e-mail scanner's and
        kept apart from people's accesses. Then <a href=${href.job(DEMO_JOB_ID)}>see the job's activity</a>.
      </p>
    </div>`;
  }

  private async createDemo(): Promise<void> {
    const { api } = this.host;
    const set = (state: DemoState): void => {
      if (this.disposed) return;
      this.demo = state;
      this.host.update();
    };
    try {
      set({ phase: 'working', step: 'Registering the job…' });
      await call(api.PUT('/v1/jobs/{job_id}', { params: { path: { job_id: DEMO_JOB_ID } }, body: DEMO_JOB }));
      set({ phase: 'working', step: 'Sending the blast…' });
      const blast = await call(api.POST('/v1/jobs/{job_id}/blasts', { params: { path: { job_id: DEMO_JOB_ID } }, body: demoBlast() }));
      const names = new Map(DEMO_BLAST.recipients.map((r) => [r.email.toLowerCase(), r.name ?? r.email]));
      const targets = new Map(DEMO_BLAST.targets.map((t) => [`${t.kind}:${t.id}`, t.name ?? t.id]));
      this.jobs?.loader.load();
      set({
        phase: 'done',
        links: blast.links.map((link) => ({
          url: link.url,
          email: link.email,
          name: names.get(link.email.toLowerCase()) ?? link.email,
          target: targets.get(`${link.target_kind}:${link.target_id}`) ?? link.target_id,
        })),
      });
    } catch (cause) {
      const error = toApiError(cause);
      if (error.status === 401) this.host.sessionExpired();
      set({ phase: 'error', error });
    }
  }

  dispose(): void {
    this.disposed = true;
    this.jobs?.dispose();
  }
}
