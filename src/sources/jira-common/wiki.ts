/**
 * Jira wiki markup (REST v2 rich-text fields, changelog strings) → plain text, for scanning.
 * Shared by the Jira export source and the live Jira connector.
 *
 * Only what could hide or split a token is rewritten; everything else stays as typed (so
 * `*bold*` and `_italic_` wrappers stay — `_` is a base64url character and the detector handles
 * wrappers itself):
 * - `{code}` / `{code:lang}` / `{noformat}` bodies are kept verbatim on their own lines (no markup
 *   inside them is interpreted); an unclosed one runs to the end;
 * - block macros `{quote}`, `{panel…}` become line breaks; inline `{color…}` tags disappear (the
 *   text on both sides renders contiguous, so it is joined);
 * - links `[label|url]` become `label url`, `[url]` becomes `url`;
 * - a `\\` forced line break becomes a newline and `\x` escapes of markup characters lose the `\`.
 * Never throws; linear time.
 */

const MACRO = /\{(code|noformat)(?::[^}\n]*)?\}/g;

function outside(text: string): string {
  return text
    .replace(/\{(?:quote|panel(?::[^}\n]*)?)\}/g, '\n')
    .replace(/\{color(?::[^}\n]*)?\}/g, '')
    .replace(/\[([^[\]|\n]*)\|([^[\]\n]+)\]/g, (_m, label: string, url: string) => (label.trim() ? `${label} ${url}` : url))
    .replace(/\[((?:https?|ftp|mailto|file):[^[\]\s]+)\]/g, '$1')
    .replace(/\\\\/g, '\n')
    .replace(/\\([[\]{}*_\-+^~?|!#])/g, '$1');
}

export function wikiToText(input: string): string {
  if (typeof input !== 'string' || input.length === 0) return '';
  let out = '';
  let pos = 0;
  MACRO.lastIndex = 0;
  for (;;) {
    const open = MACRO.exec(input);
    if (!open) break;
    const name = open[1]!;
    out += outside(input.slice(pos, open.index));
    const bodyStart = open.index + open[0].length;
    const closeTag = `{${name}}`;
    const close = input.indexOf(closeTag, bodyStart);
    const body = close === -1 ? input.slice(bodyStart) : input.slice(bodyStart, close);
    // the newline right after `{code}` and right before the closing tag are layout, not content
    out += `\n${body.replace(/^\r?\n/, '').replace(/\r?\n$/, '')}\n`;
    if (close === -1) {
      pos = input.length;
      break;
    }
    pos = close + closeTag.length;
    MACRO.lastIndex = pos;
  }
  out += outside(input.slice(pos));
  return out.replace(/^\n+/, '').replace(/\n+$/, '');
}
