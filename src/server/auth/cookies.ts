/**
 * Minimal cookie parsing and serialising (RFC 6265), so the console needs no cookie plugin.
 * Values we set are base64url / `.`-separated, so no encoding is needed; what we read is bounded.
 */
export interface CookieOptions {
  maxAgeSeconds?: number;
  secure: boolean;
  /** Always HttpOnly and SameSite=Strict: no script reads them, no other site sends them. */
  path?: string;
}

const MAX_COOKIE_HEADER = 16 * 1024;

/** Cookies of a request as name → first value. Malformed pairs are skipped. */
export function parseCookies(header: string | string[] | undefined): Map<string, string> {
  const out = new Map<string, string>();
  const text = Array.isArray(header) ? header.join('; ') : (header ?? '');
  if (text.length === 0 || text.length > MAX_COOKIE_HEADER) return out;
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (name && !out.has(name)) out.set(name, value);
  }
  return out;
}

export function serializeCookie(name: string, value: string, o: CookieOptions): string {
  const parts = [`${name}=${value}`, `Path=${o.path ?? '/'}`, 'HttpOnly', 'SameSite=Strict'];
  if (o.maxAgeSeconds !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(o.maxAgeSeconds))}`);
  if (o.secure) parts.push('Secure');
  return parts.join('; ');
}

/** A Set-Cookie value that deletes the cookie. */
export function clearCookie(name: string, o: Omit<CookieOptions, 'maxAgeSeconds'>): string {
  return serializeCookie(name, '', { ...o, maxAgeSeconds: 0 });
}

/**
 * The cookie name for a secure or plain context. `__Host-` cookies must be Secure, Path=/ and have no
 * Domain: a browser then refuses them from any other host or over http.
 */
export function cookieName(base: string, secure: boolean): string {
  return secure ? `__Host-${base}` : base;
}
