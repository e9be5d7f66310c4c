/**
 * First-run bootstrap: when no active admin key exists, create one so the person who started the
 * service can sign in and make keys for everyone else. The caller prints it once; only its hash is
 * stored. With several API processes starting together on an empty database each may create one
 * (each prints its own); revoke the extras on the API keys page.
 */
import type { CreatedApiKey, FindingStore } from '../../store/types.js';

export const FIRST_RUN_LABEL = 'first-run admin';

export async function ensureAdminKey(store: Pick<FindingStore, 'listApiKeys' | 'createApiKey'>): Promise<CreatedApiKey | null> {
  const keys = await store.listApiKeys();
  if (keys.some((k) => k.role === 'admin' && !k.revokedAt)) return null;
  return store.createApiKey({ role: 'admin', label: FIRST_RUN_LABEL, actor: 'system:first-run' });
}
