import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { chunkText, TextChunker, type TextPiece } from '../../src/sources/files/chunker.js';

/** Absolute offset in the original text of each piece, reconstructed from line/column. */
function offsetsOf(text: string, pieces: TextPiece[]): number[] {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  return pieces.map((p) => lineStarts[p.line - 1]! + p.column - 1);
}

describe('TextChunker', () => {
  it('gives every piece the exact line and column of its first character', () => {
    const lines = Array.from({ length: 400 }, (_, i) => `line ${i} ${'x'.repeat(i % 37)}`);
    const text = lines.join('\n');
    const pieces = chunkText(text, { chunkChars: 512, overlapChars: 64 });
    expect(pieces.length).toBeGreaterThan(10);
    const offs = offsetsOf(text, pieces);
    pieces.forEach((p, i) => expect(text.slice(offs[i]!, offs[i]! + p.text.length)).toBe(p.text));
    for (const p of pieces) expect(p.text.length).toBeLessThanOrEqual(512);
  });

  it('cuts at line ends and starts the next piece at a line start inside the overlap', () => {
    const text = Array.from({ length: 100 }, (_, i) => `row-${String(i).padStart(3, '0')}-${'y'.repeat(20)}`).join('\n');
    const pieces = chunkText(text, { chunkChars: 300, overlapChars: 60 });
    for (const p of pieces.slice(0, -1)) expect(p.text.endsWith('\n')).toBe(true);
    for (const p of pieces) expect(p.column).toBe(1);
    // consecutive pieces share at least the overlap
    const offs = offsetsOf(text, pieces);
    for (let i = 1; i < pieces.length; i++) {
      const prevEnd = offs[i - 1]! + pieces[i - 1]!.text.length;
      expect(prevEnd - offs[i]!).toBeGreaterThanOrEqual(60);
    }
  });

  it('finds a multi-line block that straddles a cut whole in one piece, at one place', () => {
    // shorter than the overlap, as a PEM key (≤ 7 KiB) is shorter than the default overlap (16 KiB)
    const block = ['-----BEGIN TEST BLOCK-----', ...Array.from({ length: 4 }, (_, i) => `AAAA${i}`.repeat(6)), '-----END TEST BLOCK-----'].join('\n');
    expect(block.length).toBeLessThan(200);
    for (let fill = 0; fill < 80; fill++) {
      const text = `${'filler line\n'.repeat(40 + fill)}${block}\n${'tail\n'.repeat(30)}`;
      const pieces = chunkText(text, { chunkChars: 800, overlapChars: 200 });
      expect(pieces.length).toBeGreaterThan(1);
      const offs = offsetsOf(text, pieces);
      const places = new Set<number>();
      pieces.forEach((p, i) => {
        const at = p.text.indexOf(block);
        if (at >= 0) places.add(offs[i]! + at);
      });
      expect([...places]).toEqual([text.indexOf(block)]);
    }
  });

  it('splits a line longer than a chunk after a separator, never inside a surrogate pair', () => {
    const word = 'ab😀cd';
    const text = Array.from({ length: 3000 }, () => word).join(' ');
    const pieces = chunkText(text, { chunkChars: 1000, overlapChars: 100 });
    expect(pieces.length).toBeGreaterThan(10);
    for (const p of pieces) {
      expect(p.line).toBe(1);
      expect(/^[\uDC00-\uDFFF]/.test(p.text)).toBe(false);
      expect(/[\uD800-\uDBFF]$/.test(p.text)).toBe(false);
    }
    const offs = offsetsOf(text, pieces);
    pieces.forEach((p, i) => expect(text.slice(offs[i]!, offs[i]! + p.text.length)).toBe(p.text));
  });

  it('streams: pushing in arbitrary pieces gives the same result as one push (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\n', 'é', '😀', '"', '-'), maxLength: 3000 }), fc.array(fc.nat(3000), { maxLength: 8 }), (text, cuts) => {
        const whole = chunkText(text, { chunkChars: 200, overlapChars: 40 });
        const c = new TextChunker({ chunkChars: 200, overlapChars: 40 });
        const points = [...new Set(cuts.map((x) => x % (text.length + 1)))].sort((a, b) => a - b);
        const streamed: TextPiece[] = [];
        let prev = 0;
        for (const p of points) {
          streamed.push(...c.push(text.slice(prev, p)));
          prev = p;
        }
        streamed.push(...c.push(text.slice(prev)), ...c.end());
        // Every character is covered and positions are right, whatever the push pattern.
        for (const pieces of [whole, streamed]) {
          const offs = offsetsOf(text, pieces);
          let covered = 0;
          pieces.forEach((p, i) => {
            expect(text.slice(offs[i]!, offs[i]! + p.text.length)).toBe(p.text);
            expect(offs[i]!).toBeLessThanOrEqual(covered);
            covered = Math.max(covered, offs[i]! + p.text.length);
          });
          expect(covered).toBe(text.length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('emits nothing for empty input and one piece for small input', () => {
    expect(chunkText('', { chunkChars: 100, overlapChars: 10 })).toEqual([]);
    expect(chunkText('hello\nworld', { chunkChars: 100, overlapChars: 10, startLine: 7, startColumn: 3 })).toEqual([{ text: 'hello\nworld', line: 7, column: 3 }]);
  });
});
