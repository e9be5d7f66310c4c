/**
 * Reading an untrusted zip safely and lazily (yauzl): the central directory is walked one entry
 * at a time and an entry's data is inflated only when asked for, so the archive is never in
 * memory — only the one entry being read.
 *
 * Per entry (the entry is refused with a typed error, the other entries stay readable):
 * - a name that is absolute, has a drive letter, a NUL or a `..` segment ⇒ ARCHIVE_UNSAFE;
 * - declared size over `maxEntryBytes` ⇒ ARCHIVE_UNSAFE; over 1 MiB and expanding more than
 *   `maxRatio` times its compressed size (zip bomb) ⇒ ARCHIVE_UNSAFE;
 * - the archive's running total over `maxTotalBytes` ⇒ ARCHIVE_UNSAFE (overlapping-entry bombs);
 * - encrypted or unsupported compression ⇒ INPUT_UNREADABLE; data that does not inflate or does
 *   not match its declared size (yauzl checks) ⇒ INPUT_MALFORMED.
 * A file that is not a zip, or whose directory is corrupt, fails the whole archive with INPUT_MALFORMED.
 */
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { TokenradiusError, wrapError } from '../../core/errors.js';

export interface ZipLimits {
  maxEntryBytes: number;
  maxTotalBytes: number;
  maxRatio: number;
}

export interface ZipEntryRef {
  /** Decoded name with `/` separators (backslashes normalised), as stored. */
  name: string;
  /** Set when the name is unsafe; `read()` then always fails with it. */
  unsafe?: string;
  isDirectory: boolean;
  size: number;
  compressedSize: number;
  /** Inflate the entry (bounded by the limits). Throws a TokenradiusError. */
  read(): Promise<Buffer>;
}

const RATIO_FLOOR = 1024 * 1024;

/** Why a zip entry name is unsafe to use as a path, or undefined when it is fine. */
export function unsafeEntryName(name: string): string | undefined {
  if (name.includes('\u0000')) return 'NUL byte in entry name';
  if (name.startsWith('/')) return 'absolute entry path';
  if (/^[A-Za-z]:/.test(name)) return 'entry path with a drive letter';
  if (name.split('/').some((seg) => seg === '..')) return 'path traversal (..) in entry name';
  return undefined;
}

function malformed(zipPath: string, what: string, cause: unknown): TokenradiusError {
  return wrapError('INPUT_MALFORMED', `${zipPath} is not a readable zip archive (${what})`, cause, { path: zipPath });
}

function entryMalformed(display: string, what: string, cause: unknown): TokenradiusError {
  return wrapError('INPUT_MALFORMED', `corrupt zip entry (${what})`, cause, { path: display });
}

/** Iterate the entries of a zip file. The archive is closed when iteration ends (or is abandoned). */
export async function* zipEntries(zipPath: string, limits: ZipLimits): AsyncGenerator<ZipEntryRef> {
  let zip: ZipFile;
  try {
    // decodeStrings: false ⇒ yauzl does not reject the whole archive for one bad name; we judge each name ourselves.
    zip = await yauzl.openPromise(zipPath, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true, strictFileNames: false });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TokenradiusError('INPUT_NOT_FOUND', `no such file: ${zipPath}`, { details: { path: zipPath } });
    if (code === 'EACCES' || code === 'EISDIR') throw new TokenradiusError('INPUT_UNREADABLE', `cannot read ${zipPath} (${code})`, { details: { path: zipPath } });
    throw malformed(zipPath, 'no valid end of central directory', e);
  }
  let total = 0;
  const it = zip.eachEntry();
  try {
    for (;;) {
      let next: IteratorResult<Entry>;
      try {
        next = await it.next();
      } catch (e) {
        throw malformed(zipPath, 'corrupt central directory', e);
      }
      if (next.done) return;
      const entry = next.value;
      const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
      const unsafe = unsafeEntryName(name);
      const display = `${zipPath}/${name}`;
      const ref: ZipEntryRef = {
        name,
        isDirectory: name.endsWith('/'),
        size: entry.uncompressedSize,
        compressedSize: entry.compressedSize,
        ...(unsafe ? { unsafe } : {}),
        read: async () => {
          if (unsafe) throw new TokenradiusError('ARCHIVE_UNSAFE', `refused zip entry: ${unsafe}`, { details: { path: zipPath, reason: unsafe } });
          if (entry.uncompressedSize > limits.maxEntryBytes) {
            throw new TokenradiusError('ARCHIVE_UNSAFE', `refused zip entry: ${entry.uncompressedSize} bytes uncompressed, over the per-entry limit (${limits.maxEntryBytes})`, {
              details: { path: display, reason: 'entry size' },
            });
          }
          if (entry.uncompressedSize > RATIO_FLOOR && entry.uncompressedSize / Math.max(1, entry.compressedSize) > limits.maxRatio) {
            throw new TokenradiusError('ARCHIVE_UNSAFE', `refused zip entry: expands ${Math.round(entry.uncompressedSize / Math.max(1, entry.compressedSize))}x (limit ${limits.maxRatio}x, zip bomb?)`, {
              details: { path: display, reason: 'compression ratio' },
            });
          }
          if (total + entry.uncompressedSize > limits.maxTotalBytes) {
            throw new TokenradiusError('ARCHIVE_UNSAFE', `refused zip entry: the archive expands past the total limit (${limits.maxTotalBytes} bytes)`, {
              details: { path: display, reason: 'total size' },
            });
          }
          if (entry.isEncrypted() || !entry.canDecodeFileData()) {
            throw new TokenradiusError('INPUT_UNREADABLE', 'zip entry is encrypted or uses an unsupported compression method', { details: { path: display } });
          }
          total += entry.uncompressedSize;
          let stream;
          try {
            stream = await zip.openReadStreamPromise(entry);
          } catch (e) {
            throw entryMalformed(display, 'local header', e);
          }
          const parts: Buffer[] = [];
          let got = 0;
          try {
            for await (const d of stream as AsyncIterable<Buffer>) {
              got += d.length;
              // yauzl enforces the declared size too; this guard keeps memory bounded even if it did not
              if (got > entry.uncompressedSize || got > limits.maxEntryBytes) {
                stream.destroy();
                throw new TokenradiusError('ARCHIVE_UNSAFE', 'zip entry inflates past its declared size', { details: { path: display } });
              }
              parts.push(d);
            }
          } catch (e) {
            if (e instanceof TokenradiusError) throw e;
            throw entryMalformed(display, 'data does not inflate or does not match its declared size', e);
          }
          return Buffer.concat(parts, got);
        },
      };
      yield ref;
    }
  } finally {
    zip.close();
  }
}
