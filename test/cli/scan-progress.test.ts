import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { createProgress, formatProgress } from '../../src/cli/progress.js';

function capture() {
  const s = new PassThrough();
  let text = '';
  s.on('data', (d: Buffer) => (text += d.toString()));
  return { s, text: () => text };
}

describe('progress line', () => {
  it('shows files, bytes, findings and rate', () => {
    expect(formatProgress({ files: 12, bytes: 3 * 1024 * 1024, findings: 1 }, 1000)).toBe('scanning: 12 files, 3.0 MiB, 1 finding · 3.0 MiB/s');
  });

  it('is silent when disabled (not a terminal or --no-progress)', () => {
    const c = capture();
    const p = createProgress({ stream: c.s, enabled: false });
    p.update({ files: 1, bytes: 10, findings: 0 });
    p.done();
    expect(c.text()).toBe('');
  });

  it('throttles redraws and erases the line at the end', () => {
    const c = capture();
    let t = 0;
    const p = createProgress({ stream: c.s, enabled: true, intervalMs: 100, now: () => t });
    t = 100;
    p.update({ files: 1 });
    t = 150;
    p.update({ files: 2 }); // within the interval: not drawn
    t = 250;
    p.update({ files: 3 });
    p.done();
    const frames = c.text().split('\r\x1b[2K').filter(Boolean);
    expect(frames).toHaveLength(2);
    expect(frames[0]).toContain('1 files');
    expect(frames[1]).toContain('3 files');
    expect(c.text().endsWith('\r\x1b[2K')).toBe(true);
  });
});
