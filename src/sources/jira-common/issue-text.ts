/**
 * The scannable text of a Jira issue as the REST API returns it (v3: rich text in ADF; v2: wiki
 * markup), with where each piece lives and how exposed the issue is. Shared by the Jira export
 * source and the live Jira connector.
 *
 * Fields read: summary, description, environment, comments (`fields.comment.comments[]`), the
 * configured custom fields (string, ADF, option objects, arrays of those), and changelog
 * `fromString` / `toString` (from `expand=changelog` → `changelog.histories`, or the changelog
 * endpoint's `values`) — a secret edited out of a description usually survives there.
 *
 * Exposure: a security level (`fields.security`) ⇒ `private`; otherwise `unknown` (who can browse
 * a project is not in the issue), labelled with the project and level.
 */
import { z } from 'zod';
import type { Exposure } from '../../core/types.js';
import { adfToText, isAdf } from './adf.js';
import { wikiToText } from './wiki.js';

export const JiraIssueSchema = z
  .object({
    key: z.string().min(1),
    id: z.union([z.string(), z.number()]).optional().catch(undefined),
    self: z.string().optional().catch(undefined),
    fields: z.record(z.string(), z.unknown()).optional().catch(undefined),
    changelog: z.unknown().optional(),
  })
  .loose();
export type JiraIssue = z.infer<typeof JiraIssueSchema>;

export interface IssueFieldText {
  /** `summary`, `description`, `environment`, `comment`, `customfield_10010`, `changelog[<id>].<field>.from|to`. */
  field: string;
  text: string;
  commentId?: string;
  author?: string;
  /** ISO time the text was written (comment created/updated, changelog entry created). */
  at?: string;
}

export interface IssueText {
  key: string;
  site?: string;
  /** Browse URL of the issue. */
  url?: string;
  exposure: Exposure;
  updated?: string;
  texts: IssueFieldText[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** A rich-text or plain field value → text: ADF, wiki/plain strings, option objects, arrays. */
export function fieldValueText(v: unknown, depth = 0): string {
  if (depth > 4 || v === null || v === undefined) return '';
  if (typeof v === 'string') return wikiToText(v);
  if (typeof v === 'number' || typeof v === 'boolean') return '';
  if (isAdf(v)) return adfToText(v);
  if (Array.isArray(v)) return v.map((x) => fieldValueText(x, depth + 1)).filter((t) => t.length > 0).join('\n');
  if (isObj(v)) {
    const parts = [str(v.value), str(v.name), str(v.displayName)].filter((x): x is string => x !== undefined);
    return parts.join('\n');
  }
  return '';
}

function siteOf(self: string | undefined): string | undefined {
  if (!self) return undefined;
  try {
    const u = new URL(self);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

function authorOf(v: unknown): string | undefined {
  return isObj(v) ? (str(v.displayName) ?? str(v.emailAddress) ?? str(v.accountId)) : undefined;
}

function exposureOf(fields: Obj): Exposure {
  const project = isObj(fields.project) ? (str(fields.project.key) ?? str(fields.project.name)) : undefined;
  const security = isObj(fields.security) ? (str(fields.security.name) ?? str(fields.security.id) ?? 'restricted') : undefined;
  const label = [project ? `project ${project}` : undefined, security ? `security level ${security}` : undefined].filter(Boolean).join(', ');
  return { visibility: security ? 'private' : 'unknown', ...(label ? { label: label.slice(0, 300) } : {}) };
}

/** Extract the texts of one issue; `null` when the value is not an issue (no key). Never throws. */
export function extractIssueText(value: unknown, opts: { customFields?: readonly string[] } = {}): IssueText | null {
  const parsed = JiraIssueSchema.safeParse(value);
  if (!parsed.success) return null;
  const issue = parsed.data;
  const fields: Obj = issue.fields ?? {};
  const texts: IssueFieldText[] = [];
  const add = (t: IssueFieldText) => {
    if (t.text.trim().length > 0) texts.push(t);
  };
  try {
    const summary = str(fields.summary);
    if (summary) add({ field: 'summary', text: summary });
    for (const f of ['description', 'environment'] as const) add({ field: f, text: fieldValueText(fields[f]) });
    const comments = isObj(fields.comment) ? arr(fields.comment.comments) : [];
    for (const c of comments) {
      if (!isObj(c)) continue;
      const id = typeof c.id === 'string' || typeof c.id === 'number' ? String(c.id) : undefined;
      const author = authorOf(c.author) ?? authorOf(c.updateAuthor);
      const at = str(c.updated) ?? str(c.created);
      add({ field: 'comment', text: fieldValueText(c.body), ...(id ? { commentId: id } : {}), ...(author ? { author } : {}), ...(at ? { at } : {}) });
    }
    for (const cf of opts.customFields ?? []) add({ field: cf, text: fieldValueText(fields[cf]) });

    // Changelog: skip strings identical to text already taken (the current value repeated).
    const seen = new Set(texts.map((t) => t.text));
    const cl = isObj(issue.changelog) ? issue.changelog : undefined;
    const histories = cl ? [...arr(cl.histories), ...arr(cl.values)] : [];
    for (const h of histories) {
      if (!isObj(h)) continue;
      const hid = typeof h.id === 'string' || typeof h.id === 'number' ? String(h.id) : '?';
      const author = authorOf(h.author);
      const at = str(h.created);
      for (const item of arr(h.items)) {
        if (!isObj(item)) continue;
        const name = str(item.field) ?? str(item.fieldId) ?? 'field';
        for (const [side, key] of [
          ['from', 'fromString'],
          ['to', 'toString'],
        ] as const) {
          const raw = str(item[key]);
          if (!raw) continue;
          const text = wikiToText(raw);
          if (seen.has(text)) continue;
          seen.add(text);
          add({ field: `changelog[${hid}].${name}.${side}`, text, ...(author ? { author } : {}), ...(at ? { at } : {}) });
        }
      }
    }
  } catch {
    // Defensive only: keep what was extracted.
  }
  const site = siteOf(issue.self);
  const updated = str(fields.updated);
  return {
    key: issue.key,
    ...(site ? { site, url: `${site}/browse/${encodeURIComponent(issue.key)}` } : {}),
    exposure: exposureOf(fields),
    ...(updated ? { updated } : {}),
    texts,
  };
}

/**
 * The issues in a parsed JSON document of any shape the REST API (or a hand-made export) gives:
 * one issue `{key, fields}`, search results `{issues: […]}` (old `/search` or `/search/jql` with
 * `nextPageToken`), a webhook payload `{issue, comment}`, or an array of any of these.
 */
export function issuesIn(doc: unknown, depth = 0): unknown[] {
  if (depth > 3) return [];
  if (Array.isArray(doc)) return doc.flatMap((d) => issuesIn(d, depth + 1));
  if (!isObj(doc)) return [];
  if (Array.isArray(doc.issues)) return doc.issues.flatMap((d) => issuesIn(d, depth + 1));
  if (isObj(doc.issue) && typeof doc.issue.key === 'string') {
    // webhook: the comment of a comment_* event belongs to the issue
    const issue = doc.issue;
    if (isObj(doc.comment)) {
      const fields = isObj(issue.fields) ? issue.fields : {};
      const existing = isObj(fields.comment) ? arr(fields.comment.comments) : [];
      return [{ ...issue, fields: { ...fields, comment: { comments: [...existing, doc.comment] } } }];
    }
    return [issue];
  }
  if (typeof doc.key === 'string' && (isObj(doc.fields) || doc.changelog !== undefined)) return [doc];
  return [];
}
