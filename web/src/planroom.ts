/**
 * The demo planroom page (what a planroom's own site would be), served for every path under
 * /ui/planroom/: it shows the job, file or section in its path, and uses the tracking snippet to
 * record the view on landing and views and downloads on clicks.
 */
import { html, nothing, render, type TemplateResult } from 'lit-html';
import { loadConfig } from './config';
import { DEMO_NAMES } from './demo';
import './styles.css';
import { parsePlanroomPath, startTracking, type PlanroomPage, type TrackResult, type Tracker, type TrackedObject } from './tracker';

const PREFIX = `${import.meta.env.BASE_URL}planroom`;

interface PageState {
  status: string;
  last: TrackResult | null;
  busy: boolean;
}

function nameOf(object: TrackedObject): string | undefined {
  return DEMO_NAMES[`${object.kind}:${object.id}`];
}

function pageHref(jobId: string, kind?: 'files' | 'sections', id?: string): string {
  const job = `${PREFIX}/jobs/${encodeURIComponent(jobId)}`;
  return kind && id ? `${job}/${kind}/${encodeURIComponent(id)}` : job;
}

function describe(result: TrackResult, activity: 'view' | 'download'): string {
  const noun = activity === 'view' ? 'view' : 'download';
  if (result.ok) {
    const first = result.results?.[0];
    if (!first) return `Recorded your ${noun}`;
    return first.first ? `Recorded your ${noun} (your first)` : `Recorded your ${noun} (${first.count} so far)`;
  }
  if (result.status === 0 && result.reason === 'no session') return 'Not tracked: no session';
  if (result.status === 401) return 'Not tracked: the session has expired or is not valid';
  if (result.status === 0) return `Not tracked: ${result.reason ?? 'the service could not be reached'}`;
  return `Not recorded: ${result.reason ?? `HTTP ${result.status}`} (HTTP ${result.status})`;
}

function view(page: PlanroomPage | null, tracker: Tracker | null, state: PageState, act: (a: 'view' | 'download') => void): TemplateResult {
  if (!page) {
    return html`<main id="main">
      <h1>Demo planroom</h1>
      <div class="error" role="alert" data-testid="error">
        <p>No job in this address: planroom pages are <code>${PREFIX}/jobs/{job}</code>, optionally followed by
          <code>/files/{id}</code> or <code>/sections/{id}</code>.</p>
      </div>
      <p data-testid="tracking-status" role="status">Not tracked: no job in the address</p>
    </main>`;
  }
  const { jobId, object } = page;
  const jobName = DEMO_NAMES[`job:${jobId}`] ?? `Job ${jobId}`;
  const objectName = object.kind === 'job' ? null : (nameOf(object) ?? `${object.kind === 'file' ? 'File' : 'Section'} ${object.id}`);
  const kindWord = object.kind;
  return html`
    <header class="app-header">
      <span class="brand">Demo planroom</span>
      <span class="muted">Stands in for a planroom's own site; it uses the tracking snippet <code>${import.meta.env.BASE_URL}tracker.js</code>.</span>
    </header>
    <main id="main">
      <p class="breadcrumb">
        <a href=${pageHref(jobId)}>${jobName}</a>${objectName ? html` › ${objectName}` : nothing}
      </p>
      <h1 data-testid="planroom-title">${objectName ? `${jobName} — ${objectName}` : jobName}</h1>
      <p class="muted">Job <code>${jobId}</code>${object.kind !== 'job' ? html`, ${kindWord} <code>${object.id}</code>` : nothing}</p>

      <div class="placeholder" aria-hidden="true">${objectName ?? jobName}</div>

      <div class="button-row">
        <button type="button" data-testid="view-file" ?disabled=${state.busy} @click=${() => act('view')}>View ${kindWord}</button>
        <button type="button" data-testid="download-file" ?disabled=${state.busy} @click=${() => act('download')}>
          Download ${kindWord}
        </button>
      </div>

      <p class="tracking-status" data-testid="tracking-status" role="status" aria-live="polite">${state.status}</p>
      <details ?open=${state.last !== null}>
        <summary>The snippet's last result</summary>
        <pre data-testid="tracking-result">${state.last ? JSON.stringify(state.last, null, 2) : '(none yet)'}</pre>
      </details>
      <p class="muted">
        ${tracker?.hasSession
          ? 'This tab has a contact session from a tracked link: what you do here is recorded for the blast recipient.'
          : 'This tab has no contact session (open a tracked link first): nothing is recorded.'}
      </p>

      <h2>Elsewhere in this job</h2>
      <ul>
        <li><a href=${pageHref(jobId)}>${jobName} (the job's page)</a></li>
        <li><a href=${pageHref(jobId, 'files', 'add-3')}>${DEMO_NAMES['file:add-3']}</a></li>
      </ul>
    </main>
  `;
}

async function start(): Promise<void> {
  const root = document.getElementById('app');
  if (!root) return;
  const page = parsePlanroomPath(location.pathname, PREFIX);
  const state: PageState = { status: 'Starting…', last: null, busy: false };
  let tracker: Tracker | null = null;
  const paint = (): void => {
    render(view(page, tracker, state, (a) => void act(a)), root);
  };

  const act = async (activity: 'view' | 'download'): Promise<void> => {
    if (!tracker || !page) return;
    const object = { ...page.object, ...(nameOf(page.object) ? { name: nameOf(page.object) } : {}) };
    state.busy = true;
    state.status = activity === 'view' ? 'Recording your view…' : 'Recording your download…';
    paint();
    const result = activity === 'view' ? await tracker.view(object) : await tracker.download(object);
    state.busy = false;
    state.last = result;
    state.status = describe(result, activity);
    paint();
  };

  root.replaceChildren();
  if (!page) {
    paint();
    return;
  }
  let apiBase = location.origin;
  try {
    apiBase = (await loadConfig()).api_base;
  } catch {
    // No config.json: the API is taken to be on this origin.
  }
  tracker = startTracking({ apiBase, jobId: page.jobId });
  paint();
  await act('view');
}

void start();
