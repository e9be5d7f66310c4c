/**
 * Loads, validates and resolves the configuration. This module and `src/config/env.ts` are the only
 * places that read `process.env`; everything else receives a `LoadedConfig`.
 *
 * Every problem is reported at once, each with its path: unknown keys, wrong types, failed semantic
 * checks, `${NAME}` references and `*Env` keys naming variables that are not set.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { z } from 'zod';
import { TokenradiusError } from '../core/errors.js';
import { ConfigSchema, type Config } from './schema.js';

export interface LoadedConfig {
  config: Config;
  /** Snapshot of the environment variables the config refers to plus the well-known ones. */
  env: Readonly<Record<string, string>>;
  /** The file it came from, when any. */
  file?: string;
}

export interface ConfigIssue {
  path: string;
  message: string;
}

/** Well-known variables read besides those the config names. */
export const WELL_KNOWN_ENV = ['REDIS_URL', 'DATABASE_URL', 'TOKENRADIUS_SEALING_KEY', 'TOKENRADIUS_CONFIG', 'TOKENRADIUS_LOG_LEVEL'] as const;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ENV_REF = /\$\{([^}]*)\}/g;

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return '(root)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

/** Replace `${NAME}` in every string value; report missing or malformed references. The value lands in the config itself. */
function substituteEnv(value: unknown, env: Record<string, string | undefined>, path: PropertyKey[], issues: ConfigIssue[]): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REF, (whole, name: string) => {
      if (!ENV_NAME.test(name)) {
        issues.push({ path: formatPath(path), message: `"${whole}" is not a valid environment reference` });
        return whole;
      }
      const v = env[name];
      if (v === undefined) {
        issues.push({ path: formatPath(path), message: `environment variable ${name} is not set` });
        return '';
      }
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, [...path, i], issues));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteEnv(v, env, [...path, k], issues);
    return out;
  }
  return value;
}

/** Every key ending in `Env` names an environment variable that must be set. */
function checkEnvKeys(value: unknown, env: Record<string, string | undefined>, path: PropertyKey[], issues: ConfigIssue[], used: Set<string>): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkEnvKeys(v, env, [...path, i], issues, used));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value)) {
    if (k.endsWith('Env') && typeof v === 'string') {
      if (!ENV_NAME.test(v)) issues.push({ path: formatPath([...path, k]), message: `"${v}" is not a valid environment variable name` });
      else if (env[v] === undefined || env[v] === '') issues.push({ path: formatPath([...path, k]), message: `environment variable ${v} is not set` });
      else used.add(v);
    } else {
      checkEnvKeys(v, env, [...path, k], issues, used);
    }
  }
}

export function zodIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
}

export function configError(issues: ConfigIssue[], file?: string): TokenradiusError {
  const where = file ? ` in ${file}` : '';
  const lines = issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n');
  return new TokenradiusError('CONFIG_INVALID', `configuration${where} has ${issues.length} problem${issues.length === 1 ? '' : 's'}:\n${lines}`, {
    details: { issues, file },
  });
}

/** Validate an already-parsed object (from YAML, JSON or code). */
export function resolveConfig(raw: unknown, env: Record<string, string | undefined>, file?: string): LoadedConfig {
  const issues: ConfigIssue[] = [];
  const used = new Set<string>();
  const substituted = substituteEnv(raw ?? {}, env, [], issues);
  const parsed = ConfigSchema.safeParse(substituted);
  if (!parsed.success) issues.push(...zodIssues(parsed.error));
  // Unset `*Env` variables are reported together with schema problems (on the raw input when the
  // schema failed), so one run lists everything to fix.
  checkEnvKeys(parsed.success ? parsed.data : substituted, env, [], issues, used);
  if (issues.length > 0 || !parsed.success) throw configError(issues, file);
  const snapshot: Record<string, string> = {};
  for (const name of [...WELL_KNOWN_ENV, ...used]) {
    const v = env[name];
    if (v !== undefined && v !== '') snapshot[name] = v;
  }
  return { config: parsed.data, env: Object.freeze(snapshot), ...(file ? { file } : {}) };
}

// The YAML parser loads only when there is a file to parse: most scans run on embedded defaults,
// and every scan worker start-up would pay for it otherwise.
const requireCjs = createRequire(import.meta.url);
let yaml: typeof Yaml | undefined;

/** Parse YAML text; YAML syntax errors become CONFIG_INVALID with line numbers. */
export function parseConfigText(text: string, file?: string): unknown {
  try {
    yaml ??= requireCjs('yaml') as typeof Yaml;
    return yaml.parse(text, { prettyErrors: true, uniqueKeys: true }) ?? {};
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] ?? 'syntax error' : 'syntax error';
    throw configError([{ path: '(file)', message: `YAML: ${msg}` }], file);
  }
}

/**
 * Load the configuration: `file` (or TOKENRADIUS_CONFIG) when given, else embedded defaults.
 * `env` defaults to the process environment.
 */
export function loadConfig(opts: { file?: string; env?: Record<string, string | undefined> } = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const file = opts.file ?? env.TOKENRADIUS_CONFIG;
  if (!file) return resolveConfig({}, env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TokenradiusError(code === 'ENOENT' ? 'INPUT_NOT_FOUND' : 'INPUT_UNREADABLE', `cannot read config file ${file}${code ? ` (${code})` : ''}`, {
      details: { file },
    });
  }
  return resolveConfig(parseConfigText(text, file), env, file);
}
