/** Shopify app credentials: `shp??_` + 32 hex. */
import type { CredentialReach, Detector } from '../types.js';
import { HEX } from './gen.js';
import { prefixedTokenRule } from './kit.js';

function shopify(id: string, name: string, prefix: string, docs: string, reach: CredentialReach): Detector {
  return prefixedTokenRule({ id, name, docs, prefixes: [prefix], charset: 'a-fA-F0-9', length: 32, alphabet: HEX, envName: 'SHOPIFY_TOKEN', reach });
}

// https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens — Admin API access tokens `shpat_` + 32 hex.
export const shopifyAccessToken = shopify('shopify-access-token', 'Shopify Admin API access token', 'shpat_', 'https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens', {
  privilege: 'admin',
  scope: 'a Shopify store’s Admin API within the app’s scopes (orders, customers, products)',
  lifetime: 'unbounded',
});

// https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens — custom app tokens `shpca_` + 32 hex.
export const shopifyCustomAppToken = shopify('shopify-custom-app-token', 'Shopify custom app access token', 'shpca_', 'https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens', {
  privilege: 'admin',
  scope: 'a Shopify store through a custom app',
  lifetime: 'unbounded',
});

// https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens — private app passwords `shppa_` + 32 hex.
export const shopifyPrivateAppToken = shopify('shopify-private-app-token', 'Shopify private app password', 'shppa_', 'https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens', {
  privilege: 'admin',
  scope: 'a Shopify store through a (legacy) private app',
  lifetime: 'unbounded',
});

// https://shopify.dev/docs/apps/build/authentication-authorization/client-secrets — app shared secrets `shpss_` + 32 hex.
export const shopifySharedSecret = shopify('shopify-shared-secret', 'Shopify app shared secret', 'shpss_', 'https://shopify.dev/docs/apps/build/authentication-authorization/client-secrets', {
  privilege: 'write',
  scope: 'signs webhooks and OAuth exchanges as a Shopify app',
  lifetime: 'unbounded',
});
