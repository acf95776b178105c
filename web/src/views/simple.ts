/** Pages without data: an unknown address, and a page that needs a signed-in user. */
import { html, type TemplateResult } from 'lit-html';
import type { Host, View } from '../host';

export class NotFoundView implements View {
  readonly title = 'Not found · Activity';

  render(): TemplateResult {
    return html`<h1>No such page</h1>
      <div class="error" role="alert" data-testid="error"><p>This address is not a page of the Activity app.</p></div>
      <p><a href="#/">Go to the jobs</a></p>`;
  }

  dispose(): void {}
}

export class SignInRequiredView implements View {
  readonly title = 'Sign in · Activity';

  constructor(private readonly host: Host) {}

  render(): TemplateResult {
    return html`<h1>Sign in</h1>
      <p class="note">Sign in to see this page: activity is shown only to the planroom's staff and to the customers a job is assigned to.</p>
      <button type="button" @click=${() => this.host.focusSignIn()}>Sign in</button>`;
  }

  dispose(): void {}
}
