/** The Activity app: config, sign-in, hash routing, and one view per route. */
import { html, render, type TemplateResult } from 'lit-html';
import { createApi, type Api } from './api';
import { Auth } from './auth';
import { CONFIG_URL, loadConfig, type AppConfig } from './config';
import type { Host, View } from './host';
import { parseRoute, type Route } from './router';
import './styles.css';
import { DatasetView } from './views/dataset';
import { FileView } from './views/file';
import { HomeView } from './views/home';
import { IndividualView } from './views/individual';
import { JobView } from './views/job';
import { signInControls } from './views/sign-in';
import { NotFoundView, SignInRequiredView } from './views/simple';

class App implements Host {
  readonly auth = new Auth();
  readonly api: Api;
  private view: View;
  private renderQueued = false;

  constructor(
    private readonly root: HTMLElement,
    readonly config: AppConfig,
  ) {
    this.api = createApi(config.api_base, () => this.auth.token);
    this.view = this.createView(parseRoute(location.hash));
    window.addEventListener('hashchange', () => this.mount(true));
    this.update();
  }

  update(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    queueMicrotask(() => {
      this.renderQueued = false;
      render(this.shell(), this.root);
      document.title = this.view.title;
    });
  }

  sessionExpired(): void {
    this.auth.signOut();
    this.update();
  }

  focusSignIn(): void {
    const control = this.root.querySelector<HTMLElement>('[data-sign-in]');
    control?.focus();
    control?.scrollIntoView({ block: 'nearest' });
  }

  private signIn(token: string): void {
    this.auth.signIn(token);
    this.mount(false);
  }

  private signOut(): void {
    this.auth.signOut();
    this.mount(false);
  }

  /** Replaces the view with the current route's; `moveFocus` after a navigation (for screen readers). */
  private mount(moveFocus: boolean): void {
    this.view.dispose();
    this.view = this.createView(parseRoute(location.hash));
    this.update();
    if (moveFocus) {
      queueMicrotask(() => queueMicrotask(() => this.root.querySelector<HTMLElement>('main')?.focus({ preventScroll: false })));
      window.scrollTo(0, 0);
    }
  }

  private createView(route: Route): View {
    if (route.name === 'home') return new HomeView(this);
    if (route.name === 'not-found') return new NotFoundView();
    if (this.auth.token === null) return new SignInRequiredView(this);
    switch (route.name) {
      case 'dataset':
        return new DatasetView(this);
      case 'job':
        return new JobView(this, route.jobId, route.tab);
      case 'individual':
        return new IndividualView(this, route.jobId, route.individualId);
      case 'file':
        return new FileView(this, route.jobId, route.fileId);
    }
  }

  private shell(): TemplateResult {
    return html`
      <a
        class="skip-link"
        href="#main"
        @click=${(event: Event) => {
          event.preventDefault();
          this.root.querySelector<HTMLElement>('main')?.focus();
        }}
        >Skip to content</a
      >
      <header class="app-header">
        <a class="brand" href="#/">Planroom activity</a>
        ${signInControls({
          auth: this.auth,
          config: this.config,
          signIn: (token) => this.signIn(token),
          signOut: () => this.signOut(),
        })}
      </header>
      <main id="main" tabindex="-1">${this.view.render()}</main>
    `;
  }
}

async function start(): Promise<void> {
  const root = document.getElementById('app');
  if (!root) return;
  let config: AppConfig;
  try {
    config = await loadConfig();
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    root.replaceChildren();
    render(
      html`<main id="main">
        <h1>Activity</h1>
        <div class="error" role="alert" data-testid="error">
          <p><strong>The app's settings could not be loaded</strong> (${CONFIG_URL}: ${detail}).</p>
          <button type="button" @click=${() => location.reload()}>Retry</button>
        </div>
      </main>`,
      root,
    );
    return;
  }
  root.replaceChildren();
  new App(root, config);
}

void start();
