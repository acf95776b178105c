/** What every view gets from the app shell. */
import type { TemplateResult } from 'lit-html';
import type { Api } from './api';
import type { Auth } from './auth';
import type { AppConfig } from './config';

export interface Host {
  readonly api: Api;
  readonly auth: Auth;
  readonly config: AppConfig;
  /** Re-renders the page after a view's state changed. */
  update(): void;
  /** The token was refused (401): forget it and let the user sign in again. */
  sessionExpired(): void;
  /** Moves focus to the sign-in controls. */
  focusSignIn(): void;
}

export interface View {
  readonly title: string;
  render(): TemplateResult;
  dispose(): void;
}
