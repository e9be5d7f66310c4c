/**
 * What makes two occurrences "the same place", and the text the findings filter searches.
 * Pure functions.
 */
import { sha256Hex } from '../core/secrets.js';
import type { Exposure, Locator } from '../core/types.js';
import type { Visibility } from './types.js';

/**
 * Identity fields per locator kind. Display-only fields (permalink, url, channelName, author, date)
 * are left out so that a Slack message seen through the export and through the API, or a commit
 * seen before and after its permalink was known, stay one occurrence. `path` is left out for Slack
 * and Jira, where it is only where the export file happened to put the message.
 */
function identity(loc: Locator): unknown[] {
  switch (loc.kind) {
    case 'file':
      return ['file', loc.path, loc.line, loc.column];
    case 'stdin':
      return ['stdin', loc.line, loc.column];
    case 'git':
      return ['git', loc.repo, loc.commit, loc.path, loc.line, loc.column];
    case 'slack':
      return ['slack', loc.workspace ?? '', loc.channel, loc.ts, loc.field ?? '', loc.line, loc.column];
    case 'jira':
      return ['jira', loc.site ?? '', loc.issue, loc.field, loc.commentId ?? '', loc.line, loc.column];
    case 'github':
      return ['github', loc.repo, loc.commit, loc.path, loc.field ?? '', loc.line, loc.column];
  }
}

/** Stable hex key of (source id, locator identity). */
export function locationKey(source: string, loc: Locator): string {
  return sha256Hex(JSON.stringify([source, ...identity(loc)]));
}

/** Lowercased text of everything a responder might type to find this place. */
export function locationSearchText(source: string, loc: Locator, exposure?: Exposure, author?: string): string {
  const parts: string[] = [source];
  for (const v of Object.values(loc)) if (typeof v === 'string') parts.push(v);
  if (exposure?.label) parts.push(exposure.label);
  if (author) parts.push(author);
  return parts.join('\n').toLowerCase();
}

const VISIBILITY_RANK: Record<Visibility, number> = { unknown: 0, private: 1, 'shared-external': 2, public: 3 };
const BY_RANK: readonly Visibility[] = ['unknown', 'private', 'shared-external', 'public'];

export function visibilityRank(v: Visibility | undefined): number {
  return VISIBILITY_RANK[v ?? 'unknown'];
}

export function visibilityOfRank(rank: number): Visibility {
  return BY_RANK[rank] ?? 'unknown';
}
