/**
 * `--since` of a GitHub source (and what a push webhook enqueues). Pure.
 *
 * - an ISO date or date-time (`2024-05-01`, `2024-05-01T10:00:00Z`): every configured repository
 *   and branch from then on, neither reading nor moving stored cursors;
 * - `commits:<owner>/<repo>:<sha>[,<sha>…]`: exactly these commits (a push webhook's).
 */
import { TokenradiusError } from '../../core/errors.js';

export type GithubSince = { kind: 'time'; ms: number } | { kind: 'commits'; repo: string; shas: string[] };

/** Most commits in one `commits:` job (a push with more is split into several jobs). */
export const MAX_SHAS_PER_JOB = 100;

const REPO = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;
const SHA = /^[0-9a-f]{40}$/;

export function commitsSince(repo: string, shas: readonly string[]): string {
  return `commits:${repo}:${shas.join(',')}`;
}

export function parseGithubSince(s: string): GithubSince {
  if (s.startsWith('commits:')) {
    const rest = s.slice(8);
    const colon = rest.lastIndexOf(':');
    const repo = colon > 0 ? rest.slice(0, colon) : '';
    const shas = colon > 0 ? rest.slice(colon + 1).split(',').filter((x) => x.length > 0).map((x) => x.toLowerCase()) : [];
    if (!REPO.test(repo) || shas.length === 0 || shas.length > MAX_SHAS_PER_JOB || !shas.every((x) => SHA.test(x))) {
      throw new TokenradiusError('USAGE', `since must be commits:<owner>/<repo>:<40-hex sha>[,<sha>…] (at most ${MAX_SHAS_PER_JOB})`);
    }
    return { kind: 'commits', repo, shas: [...new Set(shas)] };
  }
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/.exec(s.trim());
  if (m) {
    const zone = m[3] ? (m[3] === 'Z' ? 'Z' : m[3].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')) : 'Z';
    const ms = Date.parse(m[2] ? `${m[1]}T${m[2]}${zone}` : `${m[1]}T00:00:00Z`);
    if (Number.isFinite(ms)) return { kind: 'time', ms };
  }
  throw new TokenradiusError('USAGE', 'since must be an ISO date or date-time (2024-05-01, 2024-05-01T10:00:00Z) or commits:<owner>/<repo>:<sha>');
}
