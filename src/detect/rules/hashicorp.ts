/** HashiCorp: Vault service/batch tokens and Terraform Cloud / HCP Terraform API tokens. */
import { ALNUM, BASE64URL, placements, randomBody, redactedForms } from './gen.js';
import { patternRule, prefixedTokenRule } from './kit.js';

// https://developer.hashicorp.com/vault/docs/concepts/tokens#token-prefixes — service tokens `hvs.` (recovery `hvr.`).
export const vaultServiceToken = prefixedTokenRule({
  id: 'hashicorp-vault-service-token',
  name: 'HashiCorp Vault service token',
  docs: 'https://developer.hashicorp.com/vault/docs/concepts/tokens#token-prefixes',
  prefixes: ['hvs.', 'hvr.'],
  charset: 'A-Za-z0-9_-',
  length: [24, 300],
  alphabet: BASE64URL,
  exampleLength: 91,
  envName: 'VAULT_TOKEN',
  reach: { privilege: 'admin', scope: 'the Vault secrets its policies allow (often every secret of a team)', lifetime: 'days' },
});

// https://developer.hashicorp.com/vault/docs/concepts/tokens#token-prefixes — batch tokens `hvb.`.
export const vaultBatchToken = prefixedTokenRule({
  id: 'hashicorp-vault-batch-token',
  name: 'HashiCorp Vault batch token',
  docs: 'https://developer.hashicorp.com/vault/docs/concepts/tokens#token-prefixes',
  prefixes: ['hvb.'],
  charset: 'A-Za-z0-9_-',
  length: [100, 400],
  alphabet: BASE64URL,
  exampleLength: 138,
  envName: 'VAULT_TOKEN',
  reach: { privilege: 'admin', scope: 'the Vault secrets its policies allow', lifetime: 'hours' },
});

// https://developer.hashicorp.com/terraform/cloud-docs/users-teams-organizations/api-tokens — `<14>.atlasv1.<60–70>`.
const TFC = /(?<![A-Za-z0-9_-])[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70}(?![A-Za-z0-9_=-])/g;

export const terraformCloudToken = patternRule({
  id: 'terraform-cloud-token',
  name: 'HCP Terraform (Terraform Cloud) API token',
  docs: 'https://developer.hashicorp.com/terraform/cloud-docs/users-teams-organizations/api-tokens',
  keywords: ['.atlasv1.'],
  reach: { privilege: 'admin', scope: 'HCP Terraform workspaces: state (with its secrets) and runs against real infrastructure', lifetime: 'unbounded' },
  pattern: TFC,
  anchor: { literal: '.atlasv1.', before: 14, after: 70 },
  body: (s) => s.replace('.atlasv1.', ''),
  examples: () => {
    const t = `${randomBody(ALNUM, 14)}.atlasv1.${randomBody(BASE64URL, 67)}`;
    return {
      match: [...placements(t, 'TFE_TOKEN'), `credentials "app.terraform.io" {\n  token = "${randomBody(ALNUM, 14)}.atlasv1.${randomBody(BASE64URL, 67)}"\n}`],
      ignore: ['token = "xxxxxxxxxxxxxx.atlasv1.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"', ...redactedForms(t, 23)],
    };
  },
});
