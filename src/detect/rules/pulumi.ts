/** Pulumi Cloud access tokens: `pul-` + 40 hex. */
import { HEX } from './gen.js';
import { prefixedTokenRule } from './kit.js';

// https://www.pulumi.com/docs/pulumi-cloud/access-management/access-tokens/ — `pul-` + 40 hex.
export const pulumiAccessToken = prefixedTokenRule({
  id: 'pulumi-access-token',
  name: 'Pulumi access token',
  docs: 'https://www.pulumi.com/docs/pulumi-cloud/access-management/access-tokens/',
  prefixes: ['pul-'],
  charset: 'a-f0-9',
  length: 40,
  alphabet: HEX,
  envName: 'PULUMI_ACCESS_TOKEN',
  reach: { privilege: 'admin', scope: 'Pulumi stacks: state with decrypted secrets, deployments to real infrastructure', lifetime: 'unbounded' },
});
