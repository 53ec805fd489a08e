/**
 * The console's API token and the one way the pages call the master with it. The token lives in
 * this tab's sessionStorage only (gone when the tab closes) and travels in `Authorization`, never
 * in a URL or a cookie.
 */
const TOKEN_KEY = 'supafleet.console.token';

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

/**
 * `fetch` relative to the console (`api/…` is `/console/api/…`, `../v1/…` is the master's API)
 * with the token, no caching.
 */
export function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = getToken();
  if (token) headers.set('Authorization', `Bearer ${token}`);
  return fetch(path, { ...init, headers, cache: 'no-store' });
}

/** The master's error message from a refused response (`{ error: { message } }`), else the status. */
export async function errorMessage(res: Response, fallback = `HTTP ${res.status}`): Promise<string> {
  const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  return body?.error?.message ?? fallback;
}
