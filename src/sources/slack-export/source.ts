/**
 * The `slack-export` source: a Slack workspace export, either the `.zip` Slack produces or its
 * unpacked folder. Layout: `channels.json` (public), `groups.json` (private), `dms.json`,
 * `mpims.json`, `users.json` / `org_users.json`, and one folder per conversation holding
 * `YYYY-MM-DD.json` arrays of messages in Web API shape. A zip whose content sits under one top
 * folder (re-zipped by hand) works too.
 *
 * Two passes over the archive directory: the metadata first (names, privacy, members, authors),
 * then the day files one at a time — only one JSON document is ever in memory.
 *
 * Each message part becomes one chunk (`slack` locator: channel id and name, ts, thread ts, field,
 * path of the day file in the export; line/column within that part), with the conversation's
 * exposure. Unsafe or unreadable entries and malformed day files are reported through
 * `onNotice` and skipped; the rest of the export is still scanned.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { isTokenradiusError, TokenradiusError, wrapError, type ErrorCode } from '../../core/errors.js';
import type { Chunk, Exposure } from '../../core/types.js';
import { chunkId, chunkText } from '../files/chunker.js';
import type { LocalSource } from '../local.js';
import type { NoticeHandler, ScanOptions } from '../options.js';
import { conversationExposure, SlackConversationSchema, type ConversationKind, type SlackConversation } from '../slack-common/exposure.js';
import { extractMessageTexts } from '../slack-common/message-text.js';
import type { PulledChunk, PullOptions } from '../types.js';
import { zipEntries } from './zip.js';

const META_FILES: Record<string, ConversationKind | 'users'> = {
  'channels.json': 'public',
  'groups.json': 'private',
  'dms.json': 'im',
  'mpims.json': 'mpim',
  'users.json': 'users',
  'org_users.json': 'users',
};
const DAY_FILE = /^(\d{4}-\d{2}-\d{2})\.json$/;

const SlackUserSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().optional().catch(undefined),
    real_name: z.string().optional().catch(undefined),
    profile: z.object({ real_name: z.string().optional().catch(undefined), display_name: z.string().optional().catch(undefined) }).loose().optional().catch(undefined),
  })
  .loose();

/** One file of the export, wherever it lives. */
interface ExportFile {
  /** POSIX path inside the export. */
  name: string;
  /** Shown in locators and notices: `<export>/<name>`. */
  display: string;
  size: number;
  unsafe?: string;
  read(): Promise<Buffer>;
}

interface Conversation {
  id: string;
  name?: string;
  exposure: Exposure;
}

export function isSlackExportZipName(path: string): boolean {
  return /\.zip$/i.test(path);
}

async function* folderFiles(root: string, maxBytes: number): AsyncGenerator<ExportFile> {
  let top;
  try {
    top = await readdir(root, { withFileTypes: true });
  } catch (e) {
    throw wrapError('INPUT_UNREADABLE', `cannot list ${root}`, e, { path: root });
  }
  const sizeOf = async (rel: string) => (await stat(join(root, rel)).catch(() => undefined))?.size ?? 0;
  top.sort((a, b) => (a.name < b.name ? -1 : 1));
  const file = (name: string, size: number): ExportFile => ({
    name,
    display: join(root, name),
    size,
    read: async () => {
      if (size > maxBytes) throw new TokenradiusError('INPUT_TOO_LARGE', `${size} bytes, over maxJsonBytes (${maxBytes})`, { details: { path: join(root, name) } });
      try {
        return await readFile(join(root, name));
      } catch (e) {
        throw wrapError('INPUT_UNREADABLE', 'cannot read export file', e, { path: join(root, name) });
      }
    },
  });
  for (const d of top) {
    if (d.isFile()) yield file(d.name, await sizeOf(d.name));
  }
  for (const d of top) {
    if (!d.isDirectory()) continue;
    let inner;
    try {
      inner = await readdir(join(root, d.name), { withFileTypes: true });
    } catch {
      continue;
    }
    inner.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const f of inner) {
      if (!f.isFile() || !DAY_FILE.test(f.name)) continue;
      const rel = `${d.name}/${f.name}`;
      yield file(rel, await sizeOf(rel));
    }
  }
}

async function* zipFiles(zipPath: string, scan: ScanOptions): AsyncGenerator<ExportFile> {
  for await (const e of zipEntries(zipPath, { maxEntryBytes: scan.maxJsonBytes, maxTotalBytes: scan.maxArchiveBytes, maxRatio: scan.maxCompressionRatio })) {
    if (e.isDirectory) continue;
    yield { name: e.name, display: `${zipPath}/${e.name}`, size: e.size, ...(e.unsafe ? { unsafe: e.unsafe } : {}), read: e.read };
  }
}

function parseJson(buf: Buffer): unknown {
  // Invalid UTF-8 becomes U+FFFD rather than failing the file; a BOM is not JSON.
  const text = buf.toString('utf8');
  return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
}

function tsToIso(ts: string | undefined): string | undefined {
  if (!ts || !/^\d{1,12}(\.\d+)?$/.test(ts)) return undefined;
  const ms = Math.round(Number(ts) * 1000);
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export interface SlackExportSourceOptions {
  onNotice?: NoticeHandler;
}

export function createSlackExportSource(target: string, scan: ScanOptions, opts: SlackExportSourceOptions = {}): LocalSource {
  const notify = (path: string, reason: 'unsafe' | 'malformed' | 'too-large' | 'unreadable', message: string, code?: ErrorCode) =>
    opts.onNotice?.({ level: 'skip', reason, source: 'slack-export', path, message, ...(code ? { code } : {}) });

  const reasonOf = (code: ErrorCode): 'unsafe' | 'malformed' | 'too-large' | 'unreadable' =>
    code === 'ARCHIVE_UNSAFE' ? 'unsafe' : code === 'INPUT_TOO_LARGE' ? 'too-large' : code === 'INPUT_MALFORMED' ? 'malformed' : 'unreadable';

  /** Read + parse one export file; problems become notices and `undefined`. */
  const load = async (f: ExportFile): Promise<unknown> => {
    let buf: Buffer;
    try {
      buf = await f.read();
    } catch (e) {
      const err = isTokenradiusError(e) ? e : new TokenradiusError('INPUT_UNREADABLE', 'cannot read export file');
      notify(f.display, reasonOf(err.code), err.message, err.code);
      return undefined;
    }
    try {
      return parseJson(buf);
    } catch {
      notify(f.display, 'malformed', 'not valid JSON', 'INPUT_MALFORMED');
      return undefined;
    }
  };

  const isZip = isSlackExportZipName(target);
  const files = (): AsyncGenerator<ExportFile> => (isZip ? zipFiles(target, scan) : folderFiles(target, scan.maxJsonBytes));

  return {
    id: 'slack-export',
    target,
    describe: `Slack export ${target}`,
    async *pull(p: PullOptions): AsyncIterable<PulledChunk> {
      try {
        const st = await stat(target);
        if (isZip ? !st.isFile() : !st.isDirectory()) throw new TokenradiusError('INPUT_MALFORMED', `${target} is not a Slack export (.zip file or folder)`, { details: { path: target } });
      } catch (e) {
        if (isTokenradiusError(e)) throw e;
        throw new TokenradiusError('INPUT_NOT_FOUND', `no such file or folder: ${target}`, { details: { path: target } });
      }

      // Pass 1: metadata. It may sit at the root or under one top folder; the shallowest wins.
      const metaByPrefix = new Map<string, Map<string, ExportFile>>();
      for await (const f of files()) {
        const slash = f.name.lastIndexOf('/');
        const base = f.name.slice(slash + 1);
        const prefix = f.name.slice(0, slash + 1);
        if (f.unsafe || !(base in META_FILES) || prefix.split('/').length > 2) continue;
        let m = metaByPrefix.get(prefix);
        if (!m) metaByPrefix.set(prefix, (m = new Map()));
        m.set(base, f);
      }
      const prefix = [...metaByPrefix.keys()].sort((a, b) => a.length - b.length)[0] ?? '';
      const conversations = new Map<string, Conversation>();
      const users = new Map<string, string>();
      const wanted = metaByPrefix.get(prefix) ?? new Map<string, ExportFile>();
      if (wanted.size > 0) {
        for await (const f of files()) {
          const base = f.name.slice(prefix.length);
          if (!f.name.startsWith(prefix) || wanted.get(base) === undefined) continue;
          const kind = META_FILES[base]!;
          const data = await load(f);
          if (!Array.isArray(data)) {
            if (data !== undefined) notify(f.display, 'malformed', 'expected a JSON array', 'INPUT_MALFORMED');
            continue;
          }
          for (const item of data) {
            if (kind === 'users') {
              const u = SlackUserSchema.safeParse(item);
              if (u.success) {
                const name = u.data.real_name || u.data.profile?.real_name || u.data.profile?.display_name || u.data.name;
                if (name) users.set(u.data.id, name);
              }
              continue;
            }
            const c = SlackConversationSchema.safeParse(item);
            if (!c.success) continue;
            const conv: SlackConversation = c.data;
            const entry: Conversation = { id: conv.id, ...(conv.name ? { name: conv.name } : {}), exposure: conversationExposure(conv, kind) };
            // Export folders are named after the channel (public, private, group DM) or the id (DM).
            conversations.set(conv.id, entry);
            if (conv.name && kind !== 'im') conversations.set(conv.name, entry);
          }
        }
      }

      // Pass 2: day files, one at a time.
      let bytes = 0;
      let items = 0;
      let dayFiles = 0;
      for await (const f of files()) {
        if (p.signal.aborted) return;
        if (f.unsafe) {
          notify(f.display, 'unsafe', `refused zip entry: ${f.unsafe}`, 'ARCHIVE_UNSAFE');
          continue;
        }
        if (!f.name.startsWith(prefix)) continue;
        const rel = f.name.slice(prefix.length).split('/');
        if (rel.length !== 2 || !DAY_FILE.test(rel[1]!)) continue;
        const folder = rel[0]!;
        dayFiles += 1;
        const data = await load(f);
        bytes += f.size;
        if (data === undefined) continue;
        if (!Array.isArray(data)) {
          notify(f.display, 'malformed', 'a day file must be a JSON array of messages', 'INPUT_MALFORMED');
          continue;
        }
        const conv = conversations.get(folder) ?? { id: folder, exposure: { visibility: 'unknown', label: `#${folder}` } satisfies Exposure };
        for (const message of data) {
          items += 1;
          for (const chunk of messageChunks(message, conv, f.display, users, scan)) yield { chunk, cursor: '' };
        }
        p.onProgress?.({ bytes, items });
      }
      if (dayFiles === 0 && wanted.size === 0) {
        opts.onNotice?.({
          level: 'skip',
          reason: 'not-an-export',
          source: 'slack-export',
          path: target,
          message: 'no Slack export content (channels.json, users.json, <channel>/YYYY-MM-DD.json); --type files scans it as plain files',
        });
      }
    },
  };
}

function messageChunks(message: unknown, conv: Conversation, path: string, users: Map<string, string>, scan: ScanOptions): Chunk[] {
  const out: Chunk[] = [];
  const profileName = (() => {
    if (typeof message !== 'object' || message === null) return undefined;
    const up = (message as Record<string, unknown>).user_profile;
    if (typeof up !== 'object' || up === null) return undefined;
    const o = up as Record<string, unknown>;
    const n = o.real_name ?? o.display_name ?? o.name;
    return typeof n === 'string' && n ? n : undefined;
  })();
  for (const seg of extractMessageTexts(message)) {
    const ts = seg.ts ?? '0';
    const author = (seg.user && users.get(seg.user)) || profileName || seg.user;
    const at = tsToIso(seg.ts);
    for (const piece of chunkText(seg.text, { chunkChars: scan.chunkBytes, overlapChars: scan.chunkOverlapBytes })) {
      out.push({
        id: chunkId('slack', path, conv.id, ts, seg.field, piece.line, piece.column),
        source: 'slack-export',
        locator: {
          kind: 'slack',
          channel: conv.id,
          ...(conv.name ? { channelName: conv.name } : {}),
          ts,
          ...(seg.threadTs ? { threadTs: seg.threadTs } : {}),
          field: seg.field,
          path,
          line: piece.line,
          column: piece.column,
        },
        text: piece.text,
        exposure: conv.exposure,
        ...(author ? { author } : {}),
        ...(at ? { at } : {}),
      });
    }
  }
  return out;
}
