import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBaseline, parseBaseline } from '../../src/output/baseline.js';
import { RENDERERS } from '../../src/output/index.js';
import { TokenradiusError } from '../../src/core/errors.js';
import { reportOf, sampleFindings } from './fixtures.js';

describe('baseline', () => {
  it('reads the fingerprints of an earlier JSON report', () => {
    const findings = sampleFindings();
    const text = RENDERERS.json(reportOf(findings), { color: false, rules: new Map(), toolVersion: '0' });
    expect(parseBaseline(text)).toEqual(new Set(findings.map((f) => f.fingerprint)));
  });

  it('rejects what is not a report with a typed, clear error that does not echo the input', () => {
    const secretish = 'ghp_' + 'Q'.repeat(36);
    for (const bad of [secretish, `{"findings": [{"fingerprint": "${secretish}"}]}`, '{"results": []}', '[]']) {
      try {
        parseBaseline(bad, 'old.json');
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(TokenradiusError);
        expect((e as TokenradiusError).code).toBe('INPUT_MALFORMED');
        expect((e as Error).message).toContain('old.json');
        expect((e as Error).message).not.toContain('QQQQ');
      }
    }
  });

  it('reports a missing file as INPUT_NOT_FOUND', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tr-baseline-'));
    await expect(loadBaseline(join(dir, 'nope.json'))).rejects.toMatchObject({ code: 'INPUT_NOT_FOUND' });
    writeFileSync(join(dir, 'empty.json'), '{"findings": []}');
    expect((await loadBaseline(join(dir, 'empty.json'))).size).toBe(0);
  });
});
