/** The header's sign-in controls: dev tokens as buttons, else a field to paste a bearer token. */
import { html, nothing, type TemplateResult } from 'lit-html';
import type { Auth } from '../auth';
import type { AppConfig } from '../config';

export function signInControls(options: {
  auth: Auth;
  config: AppConfig;
  signIn: (token: string) => void;
  signOut: () => void;
}): TemplateResult {
  const { auth, config, signIn, signOut } = options;
  const claims = auth.claims;
  const dev = config.dev_tokens;
  const signedIn = auth.token !== null;
  return html`<div class="sign-in" id="sign-in">
    ${signedIn
      ? html`<span class="who"
            >Signed in as <strong>${claims.name || claims.email || claims.sub || 'unknown user'}</strong>${claims.role
              ? html` <span class="badge">${claims.role}</span>`
              : nothing}</span
          >
          <button type="button" class="link-button" @click=${signOut}>Sign out</button>`
      : nothing}
    ${dev
      ? html`${dev.staff
          ? html`<button type="button" data-testid="sign-in-staff" data-sign-in aria-pressed=${isCurrent(auth, dev.staff)} @click=${() => signIn(dev.staff ?? '')}>
              Sign in as staff
            </button>`
          : nothing}
        ${dev.customer
          ? html`<button
              type="button"
              data-testid="sign-in-customer"
              data-sign-in
              aria-pressed=${isCurrent(auth, dev.customer)}
              @click=${() => signIn(dev.customer ?? '')}
            >
              Sign in as customer
            </button>`
          : nothing}`
      : signedIn
        ? nothing
        : html`<form
            class="token-form"
            @submit=${(event: Event) => {
              event.preventDefault();
              const token = (new FormData(event.currentTarget as HTMLFormElement).get('token') ?? '').toString().trim();
              if (token !== '') signIn(token);
            }}
          >
            <label for="token">Paste a bearer token</label>
            <input id="token" name="token" type="password" autocomplete="off" spellcheck="false" data-sign-in required />
            <button type="submit">Sign in</button>
          </form>`}
  </div>`;
}

function isCurrent(auth: Auth, token: string): 'true' | 'false' {
  return auth.token === token ? 'true' : 'false';
}
