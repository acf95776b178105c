/** First views of the job per day over the last 30 days (staff: the planroom audit route). */
import { html, type TemplateResult } from 'lit-html';
import { ref } from 'lit-html/directives/ref.js';
import { call } from '../api';
import { DailyBarChart, type DailySeries } from '../chart';
import { countPerDay, daysBetween, formatDay, plural } from '../format';
import type { Host } from '../host';
import { Loader } from '../loader';
import { whenLoaded } from './states';

const DAYS = 30;
const PAGE_LIMIT = 500;
/** Pages read at most (100,000 first views); the chart says so when there were more. */
const MAX_PAGES = 200;

interface FirstViews {
  from: Date;
  to: Date;
  instants: string[];
  truncated: boolean;
}

export class FirstViewsPanel {
  private readonly loader: Loader<FirstViews> | null = null;
  private readonly chart = new DailyBarChart('First views');
  private series: DailySeries = { days: [], counts: [] };
  private seriesFor: { views: FirstViews; timeZone: string } | null = null;
  /** One callback for the chart's element, so lit calls it only when the element changes. */
  private readonly attachChart = (element: Element | undefined): void => this.chart.mount(element, this.series);

  constructor(
    private readonly host: Host,
    private readonly jobId: string,
  ) {
    if (!host.auth.isStaff) return;
    this.loader = new Loader(host, (signal) => this.fetchAll(signal));
    this.loader.load();
  }

  private async fetchAll(signal: AbortSignal): Promise<FirstViews> {
    const now = Date.now();
    const from = new Date(now - DAYS * 24 * 3600 * 1000);
    const to = new Date(now + 60 * 1000);
    const instants: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const answer = await call(
        this.host.api.GET('/v1/activity', {
          params: {
            query: {
              from: from.toISOString(),
              to: to.toISOString(),
              job_id: this.jobId,
              activity: 'view',
              limit: PAGE_LIMIT,
              ...(cursor ? { cursor } : {}),
            },
          },
          signal,
        }),
      );
      for (const record of answer.items) instants.push(record.first_at);
      if (!answer.next_cursor) return { from, to, instants, truncated: false };
      cursor = answer.next_cursor;
    }
    return { from, to, instants, truncated: true };
  }

  render(timeZone: string): TemplateResult {
    if (!this.loader) {
      return html`<p class="note">The planroom-wide audit behind this chart is for planroom staff; ask them for the figures.</p>`;
    }
    return html`${whenLoaded(this.host, this.loader, (views) => this.figure(views, timeZone), {
      loadingText: 'Loading first views…',
    })}`;
  }

  /** Counted once per load and zone (the page re-renders often, e.g. while a report is polled). */
  private seriesOf(views: FirstViews, timeZone: string): DailySeries {
    if (this.seriesFor?.views !== views || this.seriesFor.timeZone !== timeZone) {
      const days = daysBetween(views.from, views.to, timeZone);
      this.series = { days, counts: countPerDay(views.instants, days, timeZone) };
      this.seriesFor = { views, timeZone };
    }
    return this.series;
  }

  private figure(views: FirstViews, timeZone: string): TemplateResult {
    const series = this.seriesOf(views, timeZone);
    const { days } = series;
    const total = series.counts.reduce((a, b) => a + b, 0);
    const busiest = series.counts.reduce((best, count, i) => (count > (series.counts[best] ?? 0) ? i : best), 0);
    const summary =
      total === 0
        ? `No first views in the last ${DAYS} days.`
        : `${plural(total, 'first view')} in the last ${DAYS} days; the busiest day was ${formatDay(days[busiest] ?? '')} (${series.counts[busiest]}).`;
    return html`<figure class="chart">
      <div
        class="chart-canvas"
        data-testid="first-views-chart"
        role="img"
        aria-label=${`Bar chart of first views per day (${timeZone}). ${summary}`}
        ${ref(this.attachChart)}
      ></div>
      <figcaption>
        ${summary} Days in ${timeZone}.${views.truncated ? ' Only the first 100,000 first views are counted.' : ''}
      </figcaption>
      ${total > 0
        ? html`<details>
            <summary>First views per day as a table</summary>
            <table class="compact">
              <thead>
                <tr><th scope="col">Day</th><th scope="col" class="num">First views</th></tr>
              </thead>
              <tbody>
                ${days.map((day, i) =>
                  series.counts[i] ? html`<tr><th scope="row">${formatDay(day)}</th><td class="num">${series.counts[i]}</td></tr>` : null,
                )}
              </tbody>
            </table>
          </details>`
        : null}
    </figure>`;
  }

  dispose(): void {
    this.loader?.dispose();
    this.chart.destroy();
  }
}
