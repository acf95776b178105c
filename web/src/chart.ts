/** A bar chart of counts per calendar day (uPlot). */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface DailySeries {
  /** Calendar days `YYYY-MM-DD`, in order. */
  days: readonly string[];
  counts: readonly number[];
}

const HEIGHT = 240;

/** x values: each day's UTC midnight, shown in UTC, so a bar is the calendar day whatever the zone. */
function toData(series: DailySeries): uPlot.AlignedData {
  return [series.days.map((day) => Date.parse(`${day}T00:00:00Z`) / 1000), [...series.counts]];
}

export class DailyBarChart {
  private plot: uPlot | null = null;
  private observer: ResizeObserver | null = null;
  private element: Element | undefined;

  constructor(private readonly label: string) {}

  /** Attach to (or, with undefined, detach from) the element to draw in; `series` is drawn there. */
  mount(element: Element | undefined, series: DailySeries): void {
    if (element === this.element) {
      this.plot?.setData(toData(series));
      return;
    }
    this.destroy();
    if (!(element instanceof HTMLElement)) return;
    this.element = element;
    const width = Math.max(280, element.clientWidth);
    this.plot = new uPlot(
      {
        width,
        height: HEIGHT,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        axes: [
          {},
          {
            incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000],
            values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : '')),
          },
        ],
        series: [
          { label: 'Day', value: '{MMM} {D}, {YYYY}' },
          {
            label: this.label,
            stroke: '#1d4ed8',
            fill: 'rgba(29, 78, 216, 0.35)',
            width: 1,
            paths: uPlot.paths.bars?.({ size: [0.7, 40] }),
            points: { show: false },
          },
        ],
        cursor: { drag: { x: false, y: false } },
      },
      toData(series),
      element,
    );
    this.observer = new ResizeObserver(() => {
      if (this.plot && this.element instanceof HTMLElement) {
        this.plot.setSize({ width: Math.max(280, this.element.clientWidth), height: HEIGHT });
      }
    });
    this.observer.observe(element);
  }

  destroy(): void {
    this.observer?.disconnect();
    this.observer = null;
    this.plot?.destroy();
    this.plot = null;
    this.element = undefined;
  }
}
