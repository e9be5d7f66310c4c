/**
 * Text of files shared in Slack (snippets, text files, code): fetched from `url_private` with the
 * bearer token — and ONLY from the configured API origin or the allowed file hosts over HTTPS, with
 * redirects refused, so the token never travels to a host the operator did not name.
 *
 * A file that is not text, too large, external, or not readable is skipped with a reason; its
 * preview (in the message) is still scanned. A 429 is a rate limit like any other.
 */
import { TextDecoder } from 'node:util';
import { TokenradiusError } from '../../core/errors.js';

export interface FileFetchOptions {
  token: string;
  /** The Web API base URL; its origin is always allowed (proxies and test servers serve files there). */
  apiUrl: string;
  /** Other hosts `url_private` may point to, HTTPS only (`files.slack.com`). */
  hosts: readonly string[];
  maxBytes: number;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Injected in tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

export type FileTextResult = { ok: true; text: string; bytes: number } | { ok: false; reason: string };

type Obj = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

const TEXT_MIME = /^(?:text\/|application\/(?:json|xml|javascript|x-javascript|ecmascript|x-yaml|yaml|x-sh|x-shellscript|x-python|x-ruby|x-php|sql|x-sql|toml|x-toml|x-httpd-php|typescript|x-typescript|ld\+json|graphql|x-ndjson|x-pem-file|x-x509-ca-cert|pkcs8|x-properties|x-env)\b)/i;
const TEXT_FILETYPES = new Set([
  'text', 'javascript', 'typescript', 'python', 'shell', 'bash', 'powershell', 'json', 'yaml', 'xml', 'sql', 'go', 'java', 'kotlin', 'ruby', 'php',
  'csharp', 'c', 'cpp', 'rust', 'swift', 'scala', 'perl', 'r', 'lua', 'groovy', 'markdown', 'post', 'csv', 'tsv', 'diff', 'dockerfile', 'ini', 'properties',
  'toml', 'html', 'css', 'scss', 'apex', 'clojure', 'coffeescript', 'dart', 'elixir', 'erlang', 'fsharp', 'haskell', 'matlab', 'objc', 'ocaml',
  'pascal', 'puppet', 'smalltalk', 'vb', 'vbscript', 'verilog', 'vhdl', 'velocity', 'xquery', 'cfm', 'd', 'lisp', 'mumps', 'sass', 'tcl', 'jsx', 'tsx',
  'terraform', 'hcl', 'env', 'pem', 'log', 'plain',
]);

/** Does this file object look like text worth fetching? */
export function isTextFile(file: Obj): boolean {
  if (file.is_external === true || file.mode === 'external' || file.mode === 'tombstone' || file.mode === 'hidden_by_limit') return false;
  if (file.mode === 'snippet') return true;
  const mime = str(file.mimetype);
  if (mime && TEXT_MIME.test(mime)) return true;
  const type = str(file.filetype)?.toLowerCase();
  return type !== undefined && TEXT_FILETYPES.has(type);
}

/** The URL allowed to receive the token, or undefined. */
export function allowedFileUrl(raw: string | undefined, apiUrl: string, hosts: readonly string[]): URL | undefined {
  if (!raw) return undefined;
  let u: URL;
  let api: URL;
  try {
    u = new URL(raw);
    api = new URL(apiUrl);
  } catch {
    return undefined;
  }
  if (u.username || u.password) return undefined;
  if (u.origin === api.origin) return u;
  if (u.protocol === 'https:' && hosts.includes(u.host.toLowerCase())) return u;
  return undefined;
}

/** Fetch a file's text. Never throws except for a rate limit (the job must pause, not lose the file). */
export async function fetchFileText(file: Obj, o: FileFetchOptions): Promise<FileTextResult> {
  if (!isTextFile(file)) return { ok: false, reason: 'not-text' };
  const size = typeof file.size === 'number' ? file.size : undefined;
  if (size !== undefined && size > o.maxBytes) return { ok: false, reason: 'too-large' };
  const url = allowedFileUrl(str(file.url_private_download) ?? str(file.url_private), o.apiUrl, o.hosts);
  if (!url) return { ok: false, reason: 'host-not-allowed' };

  const signals = [AbortSignal.timeout(o.timeoutMs), ...(o.signal ? [o.signal] : [])];
  let res: Response;
  try {
    res = await (o.fetch ?? fetch)(url, {
      headers: { authorization: `Bearer ${o.token}` },
      // A redirect could carry the token to another host: refuse it.
      redirect: 'manual',
      signal: AbortSignal.any(signals),
    });
  } catch {
    return { ok: false, reason: 'unreachable' };
  }
  try {
    if (res.status === 429) {
      const sec = Number(res.headers.get('retry-after') ?? '60');
      const afterMs = Math.max(1000, (Number.isFinite(sec) ? sec : 60) * 1000);
      throw new TokenradiusError('UPSTREAM_RATE_LIMITED', `Slack file download is rate limited: retry after ${Math.ceil(afterMs / 1000)} s`, { retry: { afterMs }, details: { retryAfterMs: afterMs } });
    }
    if (res.status !== 200 || !res.body) return { ok: false, reason: `http-${res.status}` };
    // Slack answers a login page (HTML) when the token cannot read the file.
    const type = res.headers.get('content-type') ?? '';
    if (/text\/html/i.test(type) && str(file.filetype) !== 'html') return { ok: false, reason: 'not-authorised' };
    const parts: Buffer[] = [];
    let bytes = 0;
    for await (const part of res.body as AsyncIterable<Uint8Array>) {
      bytes += part.length;
      if (bytes > o.maxBytes) return { ok: false, reason: 'too-large' };
      parts.push(Buffer.from(part));
    }
    const buf = Buffer.concat(parts);
    if (buf.subarray(0, 8192).includes(0)) return { ok: false, reason: 'binary' };
    return { ok: true, text: new TextDecoder('utf-8', { fatal: false }).decode(buf), bytes };
  } catch (e) {
    if (e instanceof TokenradiusError) throw e;
    return { ok: false, reason: 'unreadable' };
  } finally {
    // Release the connection when we stopped early.
    try {
      await res.body?.cancel();
    } catch {
      /* already consumed */
    }
  }
}
