/**
 * The `patch` of one file of a GitHub commit (`files[].patch`: unified-diff hunks, without the
 * `diff --git` / `---` / `+++` header) → the ADDED lines with their line numbers in the NEW file,
 * grouped into runs of consecutive lines. Pure; never throws; linear time.
 *
 * - `@@ -a,b +c,d @@` starts a hunk at new-file line c; a context line (` `) and an added line (`+`)
 *   each take one new-file line, a removed line (`-`) none; `\ No newline at end of file` is a note.
 * - Hunk line counts bound each hunk, so content that looks like a header inside a hunk is content;
 *   a malformed or missing header makes the lines until the next header count as unknown (skipped).
 * - A `\r` before the `\n` stays part of the line (columns are counted as editors show CRLF files).
 */

export interface AddedRun {
  /** New-file line of the first line. */
  line: number;
  /** The added lines, joined with `\n`. */
  text: string;
  /** Number of lines in the run. */
  lines: number;
}

const HUNK = /^@@@* -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

export function addedRuns(patch: string): AddedRun[] {
  const runs: AddedRun[] = [];
  if (typeof patch !== 'string' || patch.length === 0) return runs;
  let cur: { line: number; parts: string[]; next: number } | undefined;
  const close = () => {
    if (cur) runs.push({ line: cur.line, text: cur.parts.join('\n'), lines: cur.parts.length });
    cur = undefined;
  };
  let newLine = 0;
  let oldLeft = 0;
  let newLeft = 0;
  let inHunk = false;
  let pos = 0;
  while (pos <= patch.length) {
    let nl = patch.indexOf('\n', pos);
    if (nl === -1) nl = patch.length;
    const line = patch.slice(pos, nl);
    pos = nl + 1;
    if (nl === patch.length && line.length === 0) break;

    if (inHunk && (oldLeft > 0 || newLeft > 0)) {
      const c = line.charCodeAt(0);
      if (c === 0x2b /* + */) {
        if (cur && cur.next === newLine) cur.parts.push(line.slice(1));
        else {
          close();
          cur = { line: newLine, parts: [line.slice(1)], next: newLine };
        }
        newLine += 1;
        cur.next = newLine;
        newLeft -= 1;
        continue;
      }
      if (c === 0x2d /* - */) {
        oldLeft -= 1;
        continue;
      }
      if (c === 0x5c /* \ */) continue;
      if (c === 0x20 /* space */ || line.length === 0) {
        // An empty line inside a hunk is a context line whose leading space was trimmed.
        newLine += 1;
        oldLeft -= 1;
        newLeft -= 1;
        continue;
      }
      // Anything else ends the hunk early (truncated patch); a header is handled below.
    }
    if (line.charCodeAt(0) === 0x5c) continue;
    const m = HUNK.exec(line);
    if (m) {
      close();
      inHunk = true;
      oldLeft = m[2] === undefined ? 1 : Number(m[2]);
      newLine = Number(m[3]);
      newLeft = m[4] === undefined ? 1 : Number(m[4]);
      // `+0,0` (file emptied) has no new lines; line numbers start at 1 otherwise.
      if (newLine === 0) newLine = 1;
      continue;
    }
    inHunk = false;
  }
  close();
  return runs;
}
