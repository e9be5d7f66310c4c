/**
 * HTML with escaping by construction. Every page of the console is built with the `html` tagged
 * template: each interpolated value is escaped unless it is itself `SafeHtml` (the output of another
 * `html` template). Claims, channel names, paths, labels and reasons are attacker-controlled, so
 * there is no other way to put text into a page; `trusted` exists only for our own constant markup
 * (inline SVG built from numbers).
 *
 * Escaping `& < > " '` makes a value safe in element content and in double- or single-quoted
 * attribute values. URLs additionally go through `safeHref` (http/https/relative only).
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function render(value: unknown): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

/** Our own markup only (never data). */
export function trusted(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/**
 * An href we are willing to render: http(s) URLs and same-site paths. Anything else (`javascript:`,
 * `data:`, protocol-relative `//host`) is dropped. The result still goes through `html` escaping.
 */
export function safeHref(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const u = url.trim();
  if (u.startsWith('/') && !u.startsWith('//') && !u.startsWith('/\\')) return u;
  try {
    const parsed = new URL(u);
    if (parsed.protocol === 'https:' || parsed.protocol === 'http:') return parsed.href;
  } catch {
    // not a URL
  }
  return undefined;
}

/** `?a=1&b=2` from pairs, skipping empty values (values are percent-encoded, then html-escaped by the caller). */
export function queryString(params: ReadonlyArray<[string, string | number | undefined]>): string {
  const q = new URLSearchParams();
  for (const [k, v] of params) if (v !== undefined && v !== '') q.append(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
