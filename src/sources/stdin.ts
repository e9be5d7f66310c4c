/**
 * The `stdin` source (target `-`): everything piped in, decoded as UTF-8 (invalid bytes become
 * U+FFFD), cut into line-aligned chunks as it arrives — never held whole. More than
 * `maxFileBytes` is an INPUT_TOO_LARGE error after the chunks before the limit were yielded.
 */
import type { Readable } from 'node:stream';
import { TokenradiusError } from '../core/errors.js';
import type { Chunk } from '../core/types.js';
import { createDecoder } from './files/binary.js';
import { chunkId, TextChunker, type TextPiece } from './files/chunker.js';
import type { LocalSource } from './local.js';
import type { ScanOptions } from './options.js';
import type { PulledChunk, PullOptions } from './types.js';

export function createStdinSource(input: Readable | AsyncIterable<Buffer | string>, scan: ScanOptions): LocalSource {
  let used = false;
  return {
    id: 'stdin',
    target: '-',
    describe: 'standard input',
    async *pull(p: PullOptions): AsyncIterable<PulledChunk> {
      if (used) throw new TokenradiusError('USAGE', 'standard input can only be read once');
      used = true;
      const decoder = createDecoder('utf-8');
      const chunker = new TextChunker({ chunkChars: scan.chunkBytes, overlapChars: scan.chunkOverlapBytes });
      const toChunk = (piece: TextPiece): Chunk => ({
        id: chunkId('stdin', piece.line, piece.column, piece.text.length),
        source: 'stdin',
        locator: { kind: 'stdin', path: '-', line: piece.line, column: piece.column },
        text: piece.text,
      });
      let bytes = 0;
      for await (const data of input as AsyncIterable<Buffer | string>) {
        if (p.signal.aborted) return;
        const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
        bytes += buf.length;
        if (bytes > scan.maxFileBytes) {
          throw new TokenradiusError('INPUT_TOO_LARGE', `standard input is larger than maxFileBytes (${scan.maxFileBytes}); scan a file instead or raise scan.maxFileBytes`, {
            details: { path: '-', limit: scan.maxFileBytes },
          });
        }
        for (const piece of chunker.push(decoder.write(buf))) yield { chunk: toChunk(piece), cursor: '' };
        p.onProgress?.({ bytes, items: 0 });
      }
      for (const piece of chunker.push(decoder.end())) yield { chunk: toChunk(piece), cursor: '' };
      for (const piece of chunker.end()) yield { chunk: toChunk(piece), cursor: '' };
      p.onProgress?.({ bytes, items: 1 });
    },
  };
}
