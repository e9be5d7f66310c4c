/**
 * Supabase secret API keys (`sb_secret_`, bypass Row Level Security). Publishable keys
 * (`sb_publishable_`) are public by design and not findings; legacy `anon`/`service_role` keys are
 * JWTs and belong to the JWT detector (the scorer reads their `role` claim).
 */
import { BASE64URL, randomBody } from './gen.js';
import { prefixedTokenRule } from './kit.js';

// https://supabase.com/docs/guides/api/api-keys — `sb_secret_` + base64url.
export const supabaseSecretKey = prefixedTokenRule({
  id: 'supabase-secret-key',
  name: 'Supabase secret API key',
  docs: 'https://supabase.com/docs/guides/api/api-keys',
  prefixes: ['sb_secret_'],
  charset: 'A-Za-z0-9_-',
  length: [20, 80],
  alphabet: BASE64URL,
  exampleLength: 31,
  envName: 'SUPABASE_SECRET_KEY',
  reach: { privilege: 'admin', scope: 'a Supabase project’s database and storage, bypassing Row Level Security', lifetime: 'unbounded' },
  moreIgnore: () => [`SUPABASE_PUBLISHABLE_KEY=sb_publishable_${randomBody(BASE64URL, 31)}`],
});
