/**
 * Maps UTF-16 offsets in a chunk's text to 1-based line/column, given where the text starts.
 * Offsets are expected mostly in increasing order (the engine returns matches in order), so the
 * resolver walks forward from the last answer instead of rescanning the text; a smaller offset
 * restarts from the beginning. Only `\n` ends a line (a `\r` before it is part of the line, as
 * editors that show CRLF files count columns).
 */
export interface Position {
  line: number;
  column: number;
}

export function createPositionResolver(text: string, startLine: number, startColumn: number): (offset: number) => Position {
  let atOffset = 0;
  let line = startLine;
  let lineStart = 0; // offset of the first character of `line`
  return (offset: number) => {
    const target = Math.max(0, Math.min(offset, text.length));
    if (target < atOffset) {
      atOffset = 0;
      line = startLine;
      lineStart = 0;
    }
    let nl = text.indexOf('\n', atOffset);
    while (nl !== -1 && nl < target) {
      line += 1;
      lineStart = nl + 1;
      nl = text.indexOf('\n', nl + 1);
    }
    atOffset = target;
    const column = line === startLine ? startColumn + (target - lineStart) : target - lineStart + 1;
    return { line, column };
  };
}
