/**
 * The remediation registry: builds each configured remediator from its `act.remediation` entry and
 * the configured source it names (whose client settings and credentials it reuses). To add one:
 * write `remediate/<type>.ts` returning a `Remediator` (../types.ts), add the type to
 * `RemediatorConfigSchema.type` in ../options.ts, and one `case` here.
 */
import { TokenradiusError } from '../../core/errors.js';
import type { SourceConfig } from '../../sources/registry.js';
import type { RemediatorConfig } from '../options.js';
import type { Remediator } from '../types.js';
import { createGithubRemediator } from './github.js';
import { createJiraRemediator } from './jira.js';
import { createSlackRemediator } from './slack.js';

export interface RemediatorDeps {
  sources: readonly SourceConfig[];
  env: Readonly<Record<string, string>>;
}

function envValue(env: Readonly<Record<string, string>>, name: string, what: string): string {
  const v = env[name];
  if (!v) throw new TokenradiusError('CONFIG_ENV_MISSING', `${what}: environment variable ${name} is not set`);
  return v;
}

export function createRemediator(cfg: RemediatorConfig, deps: RemediatorDeps): Remediator {
  const what = `act.remediation ${cfg.id}`;
  const source = deps.sources.find((s) => s.id === cfg.source);
  if (!source) throw new TokenradiusError('CONFIG_INVALID', `${what}: no configured source with id "${cfg.source}"`);
  if (source.type !== cfg.type) throw new TokenradiusError('CONFIG_INVALID', `${what}: source "${cfg.source}" is a ${source.type} source, not ${cfg.type}`);
  switch (source.type) {
    case 'slack':
      return createSlackRemediator(cfg, { token: envValue(deps.env, cfg.tokenEnv ?? source.tokenEnv, what), apiUrl: source.apiUrl, timeoutMs: source.timeoutMs });
    case 'jira':
      return createJiraRemediator(cfg, { host: source.host, email: envValue(deps.env, source.emailEnv, what), apiToken: envValue(deps.env, source.apiTokenEnv, what), timeoutMs: source.timeoutMs });
    case 'github':
      return createGithubRemediator(cfg, { token: envValue(deps.env, source.tokenEnv, what), baseUrl: source.baseUrl, timeoutMs: source.timeoutMs });
    default:
      throw new TokenradiusError('CONFIG_INVALID', `${what}: ${(source as { type: string }).type} sources cannot be remediated`);
  }
}

export { createSlackRemediator, createJiraRemediator, createGithubRemediator };
