/** An instant as a <time> in the job's time zone, the exact instant in `datetime` and `title`. */
import { html, type TemplateResult } from 'lit-html';
import { formatInstant } from '../format';

export function time(iso: string | null | undefined, timeZone: string): TemplateResult {
  if (!iso) return html`<span class="muted">—</span>`;
  return html`<time datetime=${iso} title=${iso}>${formatInstant(iso, timeZone)}</time>`;
}
