/**
 * `--baseline <earlier json report>`: fingerprints already known (accepted or being handled) are
 * left out of this run's report and exit code.
 *
 * Only the `findings[].fingerprint` of an earlier `--format json` report are needed; the rest of
 * each finding is ignored so a baseline from an older version still works. Anything else — not
 * JSON, no findings array, a fingerprint of the wrong shape — is an error (exit 2): silently
 * suppressing nothing would surprise the user more than stopping.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { TokenradiusError } from '../core/errors.js';

const BaselineSchema = z.object({
  findings: z.array(z.object({ fingerprint: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'is not a sha256: fingerprint') })),
});

export function parseBaseline(text: string, file = 'baseline'): Set<string> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // V8's JSON.parse message quotes the input, which could be anything: never show it.
    throw new TokenradiusError('INPUT_MALFORMED', `baseline ${file} is not valid JSON (expected a report written by --format json)`, { details: { file } });
  }
  const parsed = BaselineSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.map(String).join('.') || '(root)' : '(root)';
    throw new TokenradiusError(
      'INPUT_MALFORMED',
      `baseline ${file} is not a tokenradius JSON report: ${where} ${issue?.message ?? 'is invalid'} (expected {"findings": [{"fingerprint": "sha256:…"}]})`,
      { details: { file } },
    );
  }
  return new Set(parsed.data.findings.map((f) => f.fingerprint));
}

export async function loadBaseline(file: string): Promise<Set<string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TokenradiusError(code === 'ENOENT' ? 'INPUT_NOT_FOUND' : 'INPUT_UNREADABLE', `cannot read baseline ${file}${code ? ` (${code})` : ''}`, {
      details: { file },
    });
  }
  return parseBaseline(text, file);
}
