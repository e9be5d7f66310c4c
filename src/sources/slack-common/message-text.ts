/**
 * Text of a Slack message, as the Web API (and an export's day files, which use the same shape)
 * returns it. Shared by the Slack export source and the live Slack connector.
 *
 * Contract:
 * - Input is any JSON value; the function never throws and bounds its output (`maxChars`).
 * - Returns one segment per part of the message, each with a `field` naming it: `text` (mrkdwn,
 *   `&amp; &lt; &gt;` unescaped), `blocks` (rich_text incl. preformatted/quote/list; section,
 *   context, header, actions, image text), `attachments` (fallback, pretext, title, title_link,
 *   text, fields, footer, their blocks), `files` (title, preview, plain text, snippet content).
 *   For a `message_changed` event, the new message's segments keep these names and the previous
 *   version's are prefixed `previous_message.`; for `message_deleted`, only the previous version.
 * - A message's text and its rich_text copy are ONE occurrence: a piece of block (or attachment)
 *   text whose content already appears in what was emitted before it (the message text first) is
 *   dropped — verbatim, or every 8+-character word of it, since `text` has mrkdwn markers where
 *   the copy has styles — so a token is reported once per message, at its place in `text`.
 * - Pieces inside a segment are joined with newlines so adjacent strings never merge into a
 *   false token; each segment's text starts at line 1, column 1 of that field.
 */

export interface MessageTextSegment {
  /** `text`, `blocks`, `attachments`, `files`, or `previous_message.<same>`. */
  field: string;
  text: string;
  /** The message's own `ts` (the edited message's for an edit). */
  ts?: string;
  threadTs?: string;
  /** User id (or bot id / username) of the author. */
  user?: string;
}

export interface ExtractOptions {
  /** Total characters across segments (default 512 KiB; Slack caps a message far below); the rest is dropped. */
  maxChars?: number;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>' };
/** Undo Slack's three HTML escapes (one pass, so `&amp;lt;` becomes `&lt;`, as Slack means). */
export function unescapeSlack(text: string): string {
  return text.indexOf('&') === -1 ? text : text.replace(/&(?:amp|lt|gt);/g, (m) => ENTITIES[m] ?? m);
}

const MAX_DEPTH = 12;

/**
 * What one message may still produce. Dedupe compares each piece with what was emitted, so the
 * piece count is bounded too: a crafted message with 100k tiny pieces stays cheap.
 */
interface Budget {
  left: number;
  pieces: number;
}

const WORD_SEPARATORS = /[\s<>|"'`()[\]{},;*]+/;

/** Collects pieces of one segment, dropping those already emitted in the message. */
class SegmentBuilder {
  readonly pieces: string[] = [];
  constructor(
    private readonly seen: { text: string },
    private readonly budget: Budget,
  ) {}

  add(piece: string | undefined): void {
    if (piece === undefined) return;
    const t = piece.replace(/^\s+|\s+$/g, '');
    if (t.length === 0 || this.budget.left <= 0 || this.budget.pieces <= 0) return;
    this.budget.pieces -= 1;
    if (this.#covered(t, this.seen.text)) return;
    for (const p of this.pieces) if (this.#covered(t, p)) return;
    const kept = t.length > this.budget.left ? t.slice(0, this.budget.left) : t;
    this.budget.left -= kept.length + 1;
    this.pieces.push(kept);
  }

  /**
   * Is everything token-like in `piece` already in `hay`? Verbatim containment, or every word of
   * 8+ characters contained: Slack's `text` carries mrkdwn markers (`*bold*`, `<url|label>`)
   * that the rich_text copy has as styles, so the copy is rarely a verbatim substring, while a
   * token (a long word) is. A token that styling split in `text` is whole in the copy: kept.
   */
  #covered(piece: string, hay: string): boolean {
    if (hay.includes(piece)) return true;
    const words = piece.split(WORD_SEPARATORS).filter((w) => w.length >= 8);
    return words.length > 0 && words.every((w) => hay.includes(w));
  }

  done(): string {
    const text = this.pieces.join('\n');
    this.seen.text += '\n' + text;
    return text;
  }
}

/** Inline rich_text elements of one section, concatenated as Slack renders them. */
function richInline(elements: unknown, out: SegmentBuilder, depth: number): void {
  let line = '';
  const urls: string[] = [];
  for (const el of arr(elements)) {
    if (!isObj(el)) continue;
    switch (el.type) {
      case 'text':
        line += str(el.text) ?? '';
        break;
      case 'link': {
        const url = str(el.url);
        const text = str(el.text);
        line += text ?? url ?? '';
        if (url && url !== text) urls.push(url);
        break;
      }
      case 'emoji':
        line += str(el.name) ? `:${el.name as string}:` : '';
        break;
      case 'user':
        line += str(el.user_id) ? `<@${el.user_id as string}>` : '';
        break;
      case 'channel':
        line += str(el.channel_id) ? `<#${el.channel_id as string}>` : '';
        break;
      case 'usergroup':
        line += str(el.usergroup_id) ? `<!subteam^${el.usergroup_id as string}>` : '';
        break;
      case 'broadcast':
        line += str(el.range) ? `<!${el.range as string}>` : '';
        break;
      case 'date':
        line += str(el.fallback) ?? '';
        break;
      case 'color':
        line += str(el.value) ?? '';
        break;
      default:
        // a nested container (rich_text_section inside a list…) or an element type Slack adds later
        if (Array.isArray(el.elements)) {
          out.add(line);
          line = '';
          if (depth < MAX_DEPTH) richInline(el.elements, out, depth + 1);
        } else line += str(el.text) ?? '';
    }
  }
  out.add(line);
  for (const u of urls) out.add(u);
}

function textObject(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (!isObj(v)) return undefined;
  const t = str(v.text);
  if (t === undefined) return undefined;
  return v.type === 'mrkdwn' || v.type === 'plain_text' ? unescapeSlack(t) : t;
}

/** Strings worth scanning in a block type we do not know: text-ish keys, anywhere below it. */
function harvest(v: unknown, out: SegmentBuilder, depth: number): void {
  if (depth > MAX_DEPTH) return;
  if (Array.isArray(v)) {
    for (const x of v) harvest(x, out, depth + 1);
    return;
  }
  if (!isObj(v)) return;
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'string') {
      if (k === 'text' || k === 'url' || k === 'value' || k === 'alt_text' || k === 'title' || k === 'fallback' || k === 'title_url') out.add(unescapeSlack(x));
    } else harvest(x, out, depth + 1);
  }
}

function blocksText(blocks: unknown, out: SegmentBuilder, depth = 0): void {
  if (depth > MAX_DEPTH) return;
  for (const b of arr(blocks)) {
    if (!isObj(b)) continue;
    switch (b.type) {
      case 'rich_text':
        for (const sec of arr(b.elements)) {
          if (!isObj(sec)) continue;
          if (sec.type === 'rich_text_list') {
            for (const item of arr(sec.elements)) if (isObj(item)) richInline(item.elements, out, depth + 1);
          } else richInline(sec.elements, out, depth + 1);
        }
        break;
      case 'section':
        out.add(textObject(b.text));
        for (const f of arr(b.fields)) out.add(textObject(f));
        if (isObj(b.accessory)) harvest(b.accessory, out, depth + 1);
        break;
      case 'context':
        for (const el of arr(b.elements)) {
          if (!isObj(el)) continue;
          out.add(el.type === 'image' ? str(el.alt_text) : textObject(el));
        }
        break;
      case 'header':
        out.add(textObject(b.text));
        break;
      case 'image':
        out.add(textObject(b.title));
        out.add(str(b.alt_text));
        break;
      case 'divider':
        break;
      default:
        harvest(b, out, depth + 1);
    }
  }
}

function attachmentsText(attachments: unknown, out: SegmentBuilder): void {
  for (const a of arr(attachments)) {
    if (!isObj(a)) continue;
    for (const k of ['pretext', 'title', 'title_link', 'text', 'fallback', 'from_url', 'original_url', 'author_name', 'footer'] as const) {
      const v = str(a[k]);
      if (v) out.add(unescapeSlack(v));
    }
    for (const f of arr(a.fields)) {
      if (!isObj(f)) continue;
      out.add(str(f.title) && unescapeSlack(f.title as string));
      out.add(str(f.value) && unescapeSlack(f.value as string));
    }
    blocksText(a.blocks, out);
    // Shared-message unfurls carry the original message's blocks.
    for (const mb of arr(a.message_blocks)) if (isObj(mb) && isObj(mb.message)) blocksText(mb.message.blocks, out);
  }
}

function filesText(message: Obj, out: SegmentBuilder): void {
  const files = [...arr(message.files), ...(isObj(message.file) ? [message.file] : [])];
  for (const f of files) {
    if (!isObj(f)) continue;
    // url_private* are Slack's own links to the file, not user content.
    for (const k of ['title', 'name', 'preview', 'preview_plain_text', 'plain_text', 'content'] as const) out.add(str(f[k]));
    if (isObj(f.initial_comment)) out.add(str(f.initial_comment.comment));
  }
}

function segmentsOf(message: Obj, prefix: string, budget: Budget, acc: MessageTextSegment[]): void {
  const seen = { text: '' };
  const ts = str(message.ts);
  const threadTs = str(message.thread_ts);
  const user = str(message.user) ?? str(message.username) ?? str(message.bot_id);
  const push = (field: string, text: string) => {
    if (text.length === 0) return;
    acc.push({ field: prefix + field, text, ...(ts ? { ts } : {}), ...(threadTs ? { threadTs } : {}), ...(user ? { user } : {}) });
  };

  const raw = str(message.text);
  if (raw) {
    const text = unescapeSlack(raw);
    const kept = text.length > budget.left ? text.slice(0, Math.max(0, budget.left)) : text;
    budget.left -= kept.length;
    seen.text = kept;
    push('text', kept);
  }
  for (const [field, fill] of [
    ['blocks', (b: SegmentBuilder) => blocksText(message.blocks, b)],
    ['attachments', (b: SegmentBuilder) => attachmentsText(message.attachments, b)],
    ['files', (b: SegmentBuilder) => filesText(message, b)],
  ] as const) {
    const b = new SegmentBuilder(seen, budget);
    fill(b);
    push(field, b.done());
  }
}

/** The text segments of one Slack message (API or export shape). Never throws. */
export function extractMessageTexts(message: unknown, opts: ExtractOptions = {}): MessageTextSegment[] {
  const acc: MessageTextSegment[] = [];
  if (!isObj(message)) return acc;
  const budget: Budget = { left: opts.maxChars ?? 512 * 1024, pieces: 5000 };
  try {
    if ((message.subtype === 'message_changed' || message.subtype === 'message_deleted') && (isObj(message.message) || isObj(message.previous_message))) {
      if (message.subtype === 'message_changed' && isObj(message.message)) segmentsOf(message.message, '', budget, acc);
      if (isObj(message.previous_message)) segmentsOf(message.previous_message, 'previous_message.', budget, acc);
    } else {
      segmentsOf(message, '', budget, acc);
    }
  } catch {
    // Defensive: a getter-laden or cyclic object from a caller; keep what was extracted.
  }
  return acc;
}
