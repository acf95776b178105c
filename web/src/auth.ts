/** The signed-in user's bearer token, kept in sessionStorage for the tab's life. */
const TOKEN_KEY = 'activity.token';

export interface Claims {
  sub?: string;
  name?: string;
  email?: string;
  role?: string;
  planroom_id?: string;
  company_name?: string;
  exp?: number;
}

export class Auth {
  private current: string | null = readStored();

  get token(): string | null {
    return this.current;
  }

  get claims(): Claims {
    return this.current ? decodeClaims(this.current) : {};
  }

  get isStaff(): boolean {
    return this.claims.role === 'staff';
  }

  signIn(token: string): void {
    this.current = token.trim().replace(/^Bearer\s+/i, '');
    try {
      sessionStorage.setItem(TOKEN_KEY, this.current);
    } catch {
      // Storage refused (private mode): the token lives in memory only.
    }
  }

  signOut(): void {
    this.current = null;
    try {
      sessionStorage.removeItem(TOKEN_KEY);
    } catch {
      // Nothing stored.
    }
  }
}

function readStored(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

/** The JWT's payload, unverified (for display and for hiding staff-only parts; the API decides). */
export function decodeClaims(token: string): Claims {
  const payload = token.split('.')[1];
  if (!payload) return {};
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '=')), (c) => c.charCodeAt(0));
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof value === 'object' && value !== null ? (value as Claims) : {};
  } catch {
    return {};
  }
}
