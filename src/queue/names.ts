/**
 * Queue names and deterministic job ids. Ids never contain `:` (BullMQ uses it in its keys) and are
 * derived from content, so a retried producer adds the same job instead of a second one.
 *
 * Poll (connector) work has one queue per upstream, so that one upstream's rate limit (a Slack 429
 * pauses its queue for the Retry-After) never delays another's backfills, and each can have its own
 * limiter (`queue.limiters.poll-slack`, …):
 * - `poll-slack`, `poll-jira`, `poll-github`: the live connectors;
 * - `poll-local`: sources read from this machine (files, git clones, Slack and Jira exports);
 * - `poll`: sources whose type the producer does not know (a producer built without the source
 *   list) and jobs enqueued by earlier versions. Poll workers consume every poll queue.
 */
import { sha256Hex } from '../core/secrets.js';

export const POLL_QUEUES = ['poll-slack', 'poll-jira', 'poll-github', 'poll-local', 'poll'] as const;
export type PollQueueName = (typeof POLL_QUEUES)[number];

/** Every queue. `maintenance` carries the scheduler role's periodic housekeeping job. */
export const QUEUE_NAMES = [...POLL_QUEUES, 'scan', 'act', 'maintenance'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export function isQueueName(s: string): s is QueueName {
  return (QUEUE_NAMES as readonly string[]).includes(s);
}

export function isPollQueue(s: string): s is PollQueueName {
  return (POLL_QUEUES as readonly string[]).includes(s);
}

/** The poll queue of a source type (`slack`, `jira`, `github`, `files`, `git`, …); `poll` when unknown. */
export function pollQueueForType(type: string | undefined): PollQueueName {
  switch (type) {
    case 'slack':
      return 'poll-slack';
    case 'jira':
      return 'poll-jira';
    case 'github':
      return 'poll-github';
    case 'files':
    case 'git':
    case 'slack-export':
    case 'jira-export':
      return 'poll-local';
    default:
      return 'poll';
  }
}

/**
 * The queues a `--queue` filter names: `poll` means every poll queue (what `jobs failed --queue poll`
 * meant before poll work was split per upstream); any other name is itself.
 */
export function queuesMatching(filter: QueueName | undefined): readonly QueueName[] {
  if (!filter) return QUEUE_NAMES;
  return filter === 'poll' ? POLL_QUEUES : [filter];
}

/** `scan-<sha256 of the chunk ids>`: the same batch enqueued twice is one job. */
export function scanJobId(chunkIds: readonly string[]): string {
  return `scan-${sha256Hex(chunkIds.join('\n'))}`;
}

/** `act-<fingerprint hex>-<version>`: one act job per finding version. */
export function actJobId(fingerprint: string, version: number): string {
  return `act-${fingerprint.replace(/^sha256:/, '')}-${version}`;
}

/** Scheduler id of a source's recurring poll. */
export function pollSchedulerId(sourceId: string): string {
  return `poll-${sourceId}`;
}

/** Scheduler id of the periodic maintenance job (one per deployment). */
export const MAINTENANCE_SCHEDULER_ID = 'maintenance-purge';

/** A one-off poll (manual backfill or webhook poke): unique per request. */
export function pollJobId(sourceId: string, nonce: string): string {
  return `poll-${sourceId}-${nonce}`.replace(/:/g, '-');
}
