/** Cursor paging: `next_cursor` moves forward, a stack of the cursors seen moves back. */
import { html, type TemplateResult } from 'lit-html';

export class CursorPager {
  /** The cursor of each page shown so far; the first page has none. */
  private stack: (string | undefined)[] = [undefined];

  get cursor(): string | undefined {
    return this.stack[this.stack.length - 1];
  }

  get page(): number {
    return this.stack.length;
  }

  get hasPrevious(): boolean {
    return this.stack.length > 1;
  }

  next(cursor: string): void {
    this.stack.push(cursor);
  }

  previous(): void {
    if (this.stack.length > 1) this.stack.pop();
  }

  reset(): void {
    this.stack = [undefined];
  }
}

export function pagerControls(options: {
  pager: CursorPager;
  nextCursor: string | null | undefined;
  onChange: () => void;
  label: string;
}): TemplateResult {
  const { pager, nextCursor, onChange, label } = options;
  return html`<nav class="pager" aria-label=${`${label} pages`}>
    <button
      type="button"
      data-testid="prev-page"
      ?disabled=${!pager.hasPrevious}
      @click=${() => {
        pager.previous();
        onChange();
      }}
    >
      Previous page
    </button>
    <span class="muted">Page ${pager.page}</span>
    <button
      type="button"
      data-testid="next-page"
      ?disabled=${!nextCursor}
      @click=${() => {
        if (!nextCursor) return;
        pager.next(nextCursor);
        onChange();
      }}
    >
      Next page
    </button>
  </nav>`;
}

/** Pages of a list held whole in the browser: previous, "Page n of m", next. */
export function pagedControls(options: { page: number; pages: number; onChange: (page: number) => void; label: string }): TemplateResult {
  const { page, pages, onChange, label } = options;
  return html`<nav class="pager" aria-label=${`${label} pages`}>
    <button type="button" data-testid="prev-page" ?disabled=${page <= 0} @click=${() => onChange(Math.max(0, page - 1))}>Previous page</button>
    <span class="muted" data-testid="page-of">Page ${page + 1} of ${pages}</span>
    <button type="button" data-testid="next-page" ?disabled=${page >= pages - 1} @click=${() => onChange(Math.min(pages - 1, page + 1))}>
      Next page
    </button>
  </nav>`;
}

export const PAGE_SIZES = [10, 25, 50] as const;
