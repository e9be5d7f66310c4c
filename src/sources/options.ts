/**
 * Options of the local sources (`scan:` in the config file): files, git history, Slack and Jira
 * exports, stdin. Defaults live here; `config/default.yaml` documents every key.
 *
 * Also the `SourceNotice` shape: what a local source reports about input it did not (fully) read —
 * a binary or oversized file, an unsafe archive entry, a malformed export file, a shallow clone —
 * so the scan command can count it in its stats and tell the user, instead of failing the run.
 */
import { z } from 'zod';
import type { ErrorCode } from '../core/errors.js';

const MiB = 1024 * 1024;

export const SCAN_DEFAULTS = {
  maxFileBytes: 25 * MiB,
  chunkBytes: 1 * MiB,
  chunkOverlapBytes: 16 * 1024,
  respectGitignore: false,
  includeHidden: true,
  includeNodeModules: false,
  followSymlinks: false,
  excludePaths: [] as string[],
  gitReflog: false,
  gitWorkingTree: true,
  jiraCustomFields: [] as string[],
  maxJsonBytes: 64 * MiB,
  maxArchiveBytes: 8 * 1024 * MiB,
  maxCompressionRatio: 200,
} as const;

export const ScanOptionsSchema = z
  .object({
    /** Files (and stdin) larger than this are skipped with a notice. */
    maxFileBytes: z.number().int().positive().default(SCAN_DEFAULTS.maxFileBytes),
    /**
     * Text is handed to the engine in chunks of at most this many characters, cut at line ends.
     * Consecutive chunks overlap by `chunkOverlapBytes` so a multi-line token (PEM block) at a cut
     * is seen whole by one of them; a token inside the overlap is reported at the same exact place
     * by both chunks and the aggregator keeps one occurrence.
     */
    chunkBytes: z.number().int().min(4096).default(SCAN_DEFAULTS.chunkBytes),
    chunkOverlapBytes: z.number().int().min(0).default(SCAN_DEFAULTS.chunkOverlapBytes),
    /** Skip what `.gitignore` files (nested ones included) and `.git/info/exclude` ignore. */
    respectGitignore: z.boolean().default(SCAN_DEFAULTS.respectGitignore),
    /** Scan dotfiles and dot-directories (`.env`, `.aws/`) — where secrets usually are. */
    includeHidden: z.boolean().default(SCAN_DEFAULTS.includeHidden),
    /** Descend into `node_modules/` (skipped by default: third-party code, huge). `.git/` is never walked as files. */
    includeNodeModules: z.boolean().default(SCAN_DEFAULTS.includeNodeModules),
    /** Follow symbolic links (loops are detected). Off by default: a link may point outside the target. */
    followSymlinks: z.boolean().default(SCAN_DEFAULTS.followSymlinks),
    /** gitignore-style patterns, relative to each scanned folder, of paths never to scan. */
    excludePaths: z.array(z.string().min(1)).default([]),
    /** Also scan commits reachable only from reflogs (amended, reset, rebased-away commits). */
    gitReflog: z.boolean().default(SCAN_DEFAULTS.gitReflog),
    /** For a folder with `.git`: also scan working-tree files that are untracked or modified. */
    gitWorkingTree: z.boolean().default(SCAN_DEFAULTS.gitWorkingTree),
    /** Jira custom field ids (`customfield_10010`) whose text is scanned besides summary, description, environment, comments. */
    jiraCustomFields: z.array(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'a Jira field id such as customfield_10010')).default([]),
    /** A single JSON document of an export (Slack day file, users.json, Jira file) larger than this is skipped. */
    maxJsonBytes: z.number().int().positive().default(SCAN_DEFAULTS.maxJsonBytes),
    /** Total uncompressed bytes read from one archive; entries past it are refused as unsafe. */
    maxArchiveBytes: z.number().int().positive().default(SCAN_DEFAULTS.maxArchiveBytes),
    /** An archive entry over 1 MiB that expands more than this many times its compressed size is refused (zip bomb). */
    maxCompressionRatio: z.number().positive().default(SCAN_DEFAULTS.maxCompressionRatio),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.chunkOverlapBytes * 4 > o.chunkBytes) {
      ctx.addIssue({ code: 'custom', path: ['chunkOverlapBytes'], message: 'must be at most a quarter of chunkBytes' });
    }
  })
  // a function: every parse gets its own arrays
  .default(() => ({
    ...SCAN_DEFAULTS,
    excludePaths: [],
    jiraCustomFields: [],
  }));
export type ScanOptions = z.infer<typeof ScanOptionsSchema>;
export type ScanOptionsInput = z.input<typeof ScanOptionsSchema>;

/** Parse (and default) scan options from code; throws zod errors on bad input (config validates earlier). */
export function scanOptions(input: ScanOptionsInput = {}): ScanOptions {
  return ScanOptionsSchema.parse(input);
}

/** What each local target is scanned as (`--type`). */
export const LocalSourceTypeSchema = z.enum(['files', 'git', 'slack-export', 'jira-export']);
export type LocalSourceType = z.infer<typeof LocalSourceTypeSchema>;

/** Why a local source did not (fully) read something. */
export type SourceNoticeReason =
  | 'binary'
  | 'too-large'
  | 'unreadable'
  | 'unsafe'
  | 'malformed'
  | 'truncated'
  | 'symlink'
  | 'shallow'
  | 'not-an-export';

/**
 * A note from a source about one path: skipped (binary, too large, unreadable, unsafe archive
 * entry, malformed export file) or scanned with a caveat (shallow clone, truncated). Never contains
 * text read from the input.
 */
export interface SourceNotice {
  /** `skip`: the path was not scanned (or only partly); `info`: scanned, but the user should know. */
  level: 'skip' | 'info';
  reason: SourceNoticeReason;
  /** Source kind that emitted it (`files`, `git`, `slack-export`, …). */
  source: string;
  /** The file, archive entry (`export.zip/general/2024-01-02.json`) or repository concerned. */
  path: string;
  message: string;
  /** Catalogue code of the underlying error, when one applies (`ARCHIVE_UNSAFE`, `INPUT_MALFORMED`, …). */
  code?: ErrorCode;
}

export type NoticeHandler = (notice: SourceNotice) => void;
