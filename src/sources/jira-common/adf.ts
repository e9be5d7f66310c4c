/**
 * Atlassian Document Format → plain text, for scanning. Shared by the Jira export source and the
 * live Jira connector.
 *
 * Contract:
 * - Input is any JSON value (a `doc`, a fragment, garbage); never throws; depth, node count and
 *   output length are bounded (`truncated` says when a bound cut the text).
 * - Text nodes are concatenated as rendered (marks do not split text: a token half in bold is
 *   still one token). Link marks add their href, cards their url, mentions their text, emoji,
 *   status, date, placeholder and media their visible text or url — each such atom is set off by
 *   spaces so it never merges with the words around it.
 * - Block nodes (paragraph, heading, list items, table cells, panels, quotes, code blocks,
 *   expands, layout columns, decision/task items, extensions, unknown nodes…) start and end on
 *   their own line; `hardBreak` is a newline; `codeBlock` content is kept verbatim.
 * - Unknown node types: their `text` (if any) and their `content` are still read.
 */

export interface AdfToTextOptions {
  /** Deepest nesting read (default 128). */
  maxDepth?: number;
  /** Most nodes visited (default 200 000). */
  maxNodes?: number;
  /** Longest output in characters (default 8 MiB). */
  maxChars?: number;
}

export interface AdfText {
  text: string;
  truncated: boolean;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** Inline nodes: rendered inside a line. Everything else is a block. */
const INLINE = new Set(['text', 'hardBreak', 'mention', 'emoji', 'inlineCard', 'status', 'date', 'placeholder', 'mediaInline', 'inlineExtension']);

class Out {
  readonly parts: string[] = [];
  length = 0;
  truncated = false;
  /** Last character written ('' at start). */
  #last = '';
  /** An atom was just written: the next text needs a space before it. */
  #afterAtom = false;

  constructor(private readonly max: number) {}

  get full(): boolean {
    return this.length >= this.max;
  }

  #write(s: string): void {
    if (s.length === 0) return;
    const room = this.max - this.length;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const t = s.length > room ? s.slice(0, room) : s;
    if (t.length < s.length) this.truncated = true;
    this.parts.push(t);
    this.length += t.length;
    this.#last = t[t.length - 1]!;
  }

  text(s: string): void {
    if (s.length === 0) return;
    if (this.#afterAtom && !/^\s/.test(s)) this.#write(' ');
    this.#afterAtom = false;
    this.#write(s);
  }

  /** Verbatim (code blocks). */
  raw(s: string): void {
    this.#afterAtom = false;
    this.#write(s);
  }

  atom(s: string | undefined): void {
    if (!s) return;
    if (this.length > 0 && !/\s/.test(this.#last)) this.#write(' ');
    this.#write(s);
    this.#afterAtom = true;
  }

  newline(): void {
    this.#afterAtom = false;
    this.#write('\n');
  }

  block(): void {
    this.#afterAtom = false;
    if (this.length > 0 && this.#last !== '\n') this.#write('\n');
  }
}

/** String leaves of an extension's parameters (macro bodies and settings can hold anything). */
function paramStrings(v: unknown, out: Out, depth: number): void {
  if (depth > 16 || out.full) return;
  if (typeof v === 'string') {
    if (v.length > 0) {
      out.block();
      out.text(v);
    }
    return;
  }
  if (Array.isArray(v)) for (const x of v) paramStrings(x, out, depth + 1);
  else if (isObj(v)) for (const x of Object.values(v)) paramStrings(x, out, depth + 1);
}

function dateText(ts: unknown): string | undefined {
  const n = typeof ts === 'string' ? Number(ts) : typeof ts === 'number' ? ts : NaN;
  if (!Number.isFinite(n)) return str(ts);
  const d = new Date(n);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString().slice(0, 10);
}

type Frame = { node: unknown; depth: number; exit?: false; code?: boolean } | { exit: true; block: boolean };

export function adfToTextDetailed(doc: unknown, opts: AdfToTextOptions = {}): AdfText {
  const maxDepth = opts.maxDepth ?? 128;
  const maxNodes = opts.maxNodes ?? 200_000;
  const out = new Out(opts.maxChars ?? 8 * 1024 * 1024);
  let visited = 0;
  // Explicit stack: a hostile document nested 100 000 levels deep cannot overflow the call stack.
  const stack: Frame[] = [{ node: doc, depth: 0 }];
  try {
    while (stack.length > 0 && !out.full) {
      const f = stack.pop()!;
      if (f.exit) {
        if (f.block) out.block();
        continue;
      }
      const { node, depth } = f;
      if (Array.isArray(node)) {
        for (let i = node.length - 1; i >= 0; i--) stack.push({ node: node[i], depth, ...(f.code ? { code: true } : {}) });
        continue;
      }
      if (!isObj(node)) continue;
      if (++visited > maxNodes || depth > maxDepth) {
        out.truncated = true;
        continue;
      }
      const type = typeof node.type === 'string' ? node.type : '';
      const attrs = isObj(node.attrs) ? node.attrs : {};
      const inline = INLINE.has(type);
      const inCode = f.code === true || type === 'codeBlock';

      if (!inline) out.block();
      switch (type) {
        case 'text': {
          const t = typeof node.text === 'string' ? node.text : '';
          if (f.code) out.raw(t);
          else out.text(t);
          if (!f.code && Array.isArray(node.marks)) {
            for (const m of node.marks) {
              if (!isObj(m) || m.type !== 'link' || !isObj(m.attrs)) continue;
              const href = str(m.attrs.href);
              if (href && !t.includes(href)) out.atom(href);
            }
          }
          break;
        }
        case 'hardBreak':
          out.newline();
          break;
        case 'mention':
          out.atom(str(attrs.text) ?? str(attrs.id));
          break;
        case 'emoji':
          out.atom(str(attrs.text) ?? str(attrs.shortName));
          break;
        case 'status':
        case 'placeholder':
          out.atom(str(attrs.text));
          break;
        case 'date':
          out.atom(dateText(attrs.timestamp));
          break;
        case 'inlineCard':
        case 'blockCard':
        case 'embedCard':
          out.atom(str(attrs.url));
          if (isObj(attrs.data)) {
            out.atom(str(attrs.data.url));
            out.atom(str(attrs.data.name));
          }
          break;
        case 'media':
        case 'mediaInline':
          out.atom(str(attrs.alt));
          if (attrs.type === 'link' || attrs.type === 'external') out.atom(str(attrs.url));
          break;
        case 'expand':
        case 'nestedExpand':
          if (str(attrs.title)) {
            out.text(attrs.title as string);
            out.block();
          }
          break;
        case 'extension':
        case 'inlineExtension':
        case 'bodiedExtension':
        case 'multiBodiedExtension':
        case 'extensionFrame':
          out.atom(str(attrs.text));
          if (attrs.parameters !== undefined) paramStrings(attrs.parameters, out, 0);
          break;
        default:
          // blocks whose only text is in `content`, and node types Atlassian adds later
          if (typeof node.text === 'string') {
            if (inCode) out.raw(node.text);
            else out.text(node.text);
          }
      }
      if (Array.isArray(node.content)) {
        stack.push({ exit: true, block: !inline });
        for (let i = node.content.length - 1; i >= 0; i--) stack.push({ node: node.content[i], depth: depth + 1, ...(inCode ? { code: true } : {}) });
      } else if (!inline) out.block();
    }
  } catch {
    // Defensive only (getters on a caller's object): keep what was converted.
    out.truncated = true;
  }
  if (stack.length > 0) out.truncated = true;
  let text = out.parts.join('');
  if (text.endsWith('\n')) text = text.replace(/\n+$/, '');
  return { text, truncated: out.truncated };
}

/** ADF → text (see the module contract). */
export function adfToText(doc: unknown, opts: AdfToTextOptions = {}): string {
  return adfToTextDetailed(doc, opts).text;
}

/** True when a value looks like an ADF node (a rich-text field in Jira REST v3). */
export function isAdf(v: unknown): boolean {
  return isObj(v) && typeof v.type === 'string' && (v.type === 'doc' || Array.isArray(v.content));
}
