/**
 * Text from scanned content (messages, file names, claims, upstream answers) shown to a person:
 * in a terminal, a log line, a Slack alert. It must not be able to move the cursor or recolour the
 * screen (C0/C1 controls, ANSI/OSC escapes), start a line of its own (CR, LF, U+2028/U+2029 — a
 * forged log or alert line), or reorder what the reader sees (bidi embeddings, overrides, isolates
 * and marks — "Trojan Source"). One character class, used by every renderer.
 */

// eslint-disable-next-line no-control-regex
const DISPLAY_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// JSON.stringify already escapes C0 controls (and lone surrogates); these it leaves raw.
const JSON_UNESCAPED_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Every unsafe character replaced (U+FFFD by default): for text a person reads as it is. */
export function neutralise(text: string, replacement = '\ufffd'): string {
  return text.replace(DISPLAY_UNSAFE, replacement);
}

/**
 * `JSON.stringify`, with the unsafe characters JSON leaves raw written as `\uXXXX` escapes: the
 * same data for any JSON parser, inert when the JSON itself is printed on a terminal.
 */
export function stringifyForDisplay(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(JSON_UNESCAPED_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
