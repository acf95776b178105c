/** The job's blasts: per blast, how many recipients opened, viewed and downloaded. */
import { html, nothing, type TemplateResult } from 'lit-html';
import { styleMap } from 'lit-html/directives/style-map.js';
import { call } from '../api';
import type { BlastList, BlastSummary } from '../api-types';
import { percent, plural } from '../format';
import type { Host } from '../host';
import { Loader } from '../loader';
import { href } from '../router';
import { empty, whenLoaded } from './states';
import { time } from './time';

export class BlastsPanel {
  readonly loader: Loader<BlastList>;

  constructor(
    private readonly host: Host,
    private readonly jobId: string,
  ) {
    this.loader = new Loader(host, (signal) =>
      call(host.api.GET('/v1/jobs/{job_id}/blasts', { params: { path: { job_id: jobId } }, signal })),
    );
    this.loader.load();
  }

  /** Blast names by id (for the individuals' sources); empty until loaded. */
  names(): ReadonlyMap<string, string> {
    return new Map((this.loader.value?.items ?? []).map((b) => [b.blast_id, b.name]));
  }

  render(timeZone: string): TemplateResult {
    return html`${whenLoaded(
      this.host,
      this.loader,
      (list) =>
        list.items.length === 0
          ? empty('No blasts sent for this job yet')
          : html`<div class="blasts">${list.items.map((blast) => this.blast(blast, timeZone))}</div>`,
      { loadingText: 'Loading blasts…' },
    )}`;
  }

  private blast(blast: BlastSummary, timeZone: string): TemplateResult {
    const headingId = `blast-${blast.blast_id}`;
    const steps = [
      { label: 'Recipients', value: blast.recipients },
      { label: 'Opened', value: blast.opened },
      { label: 'Viewed', value: blast.viewed },
      { label: 'Downloaded', value: blast.downloaded },
    ];
    const files = blast.targets.filter((t) => t.kind === 'file');
    return html`<article class="blast" aria-labelledby=${headingId}>
      <h3 id=${headingId}>${blast.name || 'Unnamed blast'}</h3>
      <p class="muted">
        Sent ${time(blast.sent_at ?? blast.created_at, timeZone)} to ${plural(blast.recipients, 'recipient')}${blast.reminder_of
          ? html` · a reminder of “${this.names().get(blast.reminder_of) ?? 'an earlier blast'}”`
          : nothing}${blast.reminded > 0
          ? html` · <span data-testid="blast-reminded">${plural(blast.reminded, 'recipient')} reminded since</span>`
          : nothing}
      </p>
      <ol class="funnel" data-testid="blast-funnel" aria-label=${`Engagement with ${blast.name || 'the blast'}`}>
        ${steps.map(
          (step) => html`<li>
            <span class="funnel-label">${step.label}</span>
            <span class="funnel-bar" aria-hidden="true"
              ><span style=${styleMap({ width: `${barWidth(step.value, blast.recipients)}%` })}></span
            ></span>
            <span class="funnel-value">${step.value} <span class="muted">(${percent(step.value, blast.recipients)})</span></span>
          </li>`,
        )}
      </ol>
      ${files.length > 0
        ? html`<ul class="targets">
            ${files.map(
              (file) => html`<li>
                ${file.name || file.id} <span class="muted">(${file.action === 'download' ? 'download link' : 'view link'})</span>
                — <a href=${href.file(this.jobId, file.id)}>Who opened it</a>
              </li>`,
            )}
          </ul>`
        : html`<p class="muted">This blast links to no file.</p>`}
    </article>`;
  }

  dispose(): void {
    this.loader.dispose();
  }
}

function barWidth(value: number, whole: number): number {
  if (whole <= 0) return 0;
  return Math.min(100, Math.max(0, (value / whole) * 100));
}
