/** The deployment's settings, served next to the app as `config.json`. */
export interface AppConfig {
  /** The API's origin, e.g. `http://127.0.0.1:3000`. */
  api_base: string;
  planroom_id?: string;
  /** Ready-made tokens of the dev server; absent on real deployments. */
  dev_tokens?: { staff?: string; customer?: string };
}

export const CONFIG_URL = `${import.meta.env.BASE_URL}config.json`;

export async function loadConfig(url: string = CONFIG_URL): Promise<AppConfig> {
  const response = await fetch(url, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
  const body: unknown = await response.json();
  return parseConfig(body);
}

export function parseConfig(body: unknown): AppConfig {
  if (typeof body !== 'object' || body === null) throw new Error('config.json is not an object');
  const raw = body as Record<string, unknown>;
  const apiBase = typeof raw.api_base === 'string' && raw.api_base !== '' ? raw.api_base : location.origin;
  const config: AppConfig = { api_base: apiBase };
  if (typeof raw.planroom_id === 'string') config.planroom_id = raw.planroom_id;
  const tokens = raw.dev_tokens;
  if (typeof tokens === 'object' && tokens !== null) {
    const { staff, customer } = tokens as Record<string, unknown>;
    const devTokens: NonNullable<AppConfig['dev_tokens']> = {};
    if (typeof staff === 'string' && staff !== '') devTokens.staff = staff;
    if (typeof customer === 'string' && customer !== '') devTokens.customer = customer;
    if (devTokens.staff || devTokens.customer) config.dev_tokens = devTokens;
  }
  return config;
}
