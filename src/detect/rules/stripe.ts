/**
 * Stripe API keys. Secret (`sk_`) and restricted (`rk_`) keys in live mode move money; test-mode
 * keys are a separate, low-reach rule; webhook signing secrets let an attacker forge events.
 * Publishable keys (`pk_live_`, `pk_test_`) are public by design and are not findings.
 */
import { ALNUM, randomBody } from './gen.js';
import { prefixedTokenRule } from './kit.js';

const KEYS_DOCS = 'https://docs.stripe.com/keys';
// Publishable keys are public by design: never a finding (no rule matches `pk_`).
const publishable = (): string => `STRIPE_PUBLISHABLE_KEY=pk_live_${randomBody(ALNUM, 99)}`;

// https://docs.stripe.com/keys — live secret keys: `sk_live_` + 24–247 base62.
export const stripeSecretKey = prefixedTokenRule({
  id: 'stripe-secret-key',
  name: 'Stripe live secret key',
  docs: KEYS_DOCS,
  prefixes: ['sk_live_'],
  charset: 'A-Za-z0-9',
  length: [24, 247],
  alphabet: ALNUM,
  exampleLength: 99,
  envName: 'STRIPE_SECRET_KEY',
  reach: { privilege: 'owner', scope: 'a Stripe account in live mode (charges, payouts, customer data)', lifetime: 'unbounded' },
  moreIgnore: () => ['sk_live_••••••••••••4242', publishable()],
});

// https://docs.stripe.com/keys#limit-access — restricted keys: `rk_live_` + base62.
export const stripeRestrictedKey = prefixedTokenRule({
  id: 'stripe-restricted-key',
  name: 'Stripe live restricted key',
  docs: 'https://docs.stripe.com/keys#limit-access',
  prefixes: ['rk_live_'],
  charset: 'A-Za-z0-9',
  length: [24, 247],
  alphabet: ALNUM,
  exampleLength: 99,
  envName: 'STRIPE_RESTRICTED_KEY',
  reach: { privilege: 'write', scope: 'a Stripe account in live mode, limited to the key’s permissions', lifetime: 'unbounded' },
});

// https://docs.stripe.com/keys#test-live-modes — test-mode secret and restricted keys (no real money).
export const stripeTestKey = prefixedTokenRule({
  id: 'stripe-test-key',
  name: 'Stripe test-mode secret or restricted key',
  docs: 'https://docs.stripe.com/keys#test-live-modes',
  prefixes: ['sk_test_', 'rk_test_'],
  charset: 'A-Za-z0-9',
  length: [24, 247],
  alphabet: ALNUM,
  exampleLength: 99,
  envName: 'STRIPE_TEST_KEY',
  reach: { privilege: 'write', scope: 'a Stripe account’s test-mode data', lifetime: 'unbounded', testMode: true },
  // The Stripe API reference's own test key (`sk_test_4eC3…`) is suppressed by hash in filters.ts.
  moreIgnore: () => [['sk_test_4eC39HqLyjWDarjtT', '1zdp7dc'].join('')],
});

// https://docs.stripe.com/webhooks#verify-events — endpoint signing secrets `whsec_` + base62.
export const stripeWebhookSecret = prefixedTokenRule({
  id: 'stripe-webhook-secret',
  name: 'Stripe webhook signing secret',
  docs: 'https://docs.stripe.com/webhooks#verify-events',
  prefixes: ['whsec_'],
  charset: 'A-Za-z0-9',
  length: [32, 80],
  alphabet: ALNUM,
  exampleLength: 32,
  envName: 'STRIPE_WEBHOOK_SECRET',
  reach: { privilege: 'write', scope: 'forges Stripe webhook events to one endpoint (fake payments, refunds)', lifetime: 'unbounded' },
});
