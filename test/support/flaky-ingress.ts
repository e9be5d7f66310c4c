/**
 * A pipeline ingress for webhook tests: fails (QUEUE_UNAVAILABLE) or hangs past any deadline as many
 * times as asked, then accepts, recording what was handed on.
 */
import { TokenradiusError } from '../../src/core/errors.js';
import type { Chunk } from '../../src/core/types.js';
import type { Ingress } from '../../src/pipeline/stages.js';

export function flakyIngress(mode: 'throw' | 'hang', failures: number) {
  const state = { failures, attempts: 0, chunks: [] as Chunk[], polls: [] as Array<{ sourceId: string; since?: string }> };
  const fail = async () => {
    state.attempts++;
    if (state.failures <= 0) return;
    state.failures--;
    if (mode === 'hang') await new Promise(() => undefined);
    throw new TokenradiusError('QUEUE_UNAVAILABLE', 'Redis is unavailable');
  };
  const ingress: Ingress = {
    async submitChunks(chunks) {
      await fail();
      state.chunks.push(...chunks);
    },
    async requestPoll(sourceId, o = {}) {
      await fail();
      state.polls.push({ sourceId, ...(o.since ? { since: o.since } : {}) });
      return `poll-${state.polls.length}`;
    },
  };
  return { ingress, state };
}
