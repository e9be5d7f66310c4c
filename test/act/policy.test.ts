import { describe, expect, it } from 'vitest';
import { ActOptionsSchema, MatchSchema, type ActOptionsInput } from '../../src/act/options.js';
import { decide, findingEventType, matches } from '../../src/act/policy.js';
import { resolveConfig } from '../../src/config/load.js';
import { storedFinding } from './helpers.js';

const opts = (o: ActOptionsInput) => ActOptionsSchema.parse(o);
const sinks: NonNullable<ActOptionsInput>['sinks'] = [
  { id: 'sec-slack', type: 'slack', tokenEnv: 'SLACK_ALERT_TOKEN', channel: 'C0SEC' },
  { id: 'soc', type: 'webhook', url: 'https://soc.example.test/hook', secretEnv: 'SOC_SECRET' },
];

describe('policy: routes', () => {
  it('sends every finding to every sink when no routes are configured', () => {
    const d = decide(storedFinding({ blastRadius: { score: 5, severity: 'info', factors: [] } }), opts({ sinks }));
    expect(d.sinks).toEqual(['sec-slack', 'soc']);
    expect(d.routes).toEqual(['policy:default']);
    expect(d.revocation).toBeUndefined();
  });

  it('routes by severity at least, source, rule, issuer and liveness', () => {
    const o = opts({
      sinks,
      routes: [
        { name: 'critical-only', match: { minSeverity: 'critical' }, sinks: ['sec-slack'] },
        { name: 'okta-live', match: { issuers: ['okta'], liveness: ['live'], sources: ['slack-main'] }, sinks: ['soc'] },
        { name: 'pats', match: { rules: ['github-classic-pat'] }, sinks: ['sec-slack'] },
      ],
    });
    const oktaLive = storedFinding({ profile: { issuerFamily: 'okta' } as never });
    expect(decide(oktaLive, o)).toMatchObject({ sinks: ['soc'], routes: ['policy:okta-live'] });
    // Same finding, expired: no route matches.
    expect(decide({ ...oktaLive, liveness: { state: 'expired' } }, o).sinks).toEqual([]);
    // Critical: both routes match; sinks in config order, once each.
    const crit = { ...oktaLive, blastRadius: { score: 99, severity: 'critical' as const, factors: [] } };
    expect(decide(crit, o).sinks).toEqual(['sec-slack', 'soc']);
    // The issuer can be the exact iss (from the profile or the claims).
    const byIss = (issuers: string[]) => MatchSchema.parse({ issuers });
    expect(matches(byIss(['https://idp.example.test']), storedFinding())).toBe(true);
    expect(matches(byIss(['https://idp.example.test/']), storedFinding())).toBe(false);
    expect(decide(storedFinding({ rule: 'github-classic-pat', kind: 'credential', claims: undefined }), o).routes).toEqual(['policy:pats']);
    // Another source: the okta route does not apply.
    expect(decide({ ...oktaLive, sources: ['jira-main'], occurrences: oktaLive.occurrences.map((x) => ({ ...x, source: 'jira-main' })) }, o).sinks).toEqual([]);
  });

  it('takes the first matching revocation rule, with its approval mode or the global one', () => {
    const o = opts({
      sinks,
      approval: 'required',
      revokers: [
        { id: 'idp', type: 'rfc7009' },
        { id: 'gh', type: 'github' },
      ],
      revocation: [
        { name: 'live-high', match: { minSeverity: 'high', liveness: ['live'], issuers: ['https://idp.example.test'] }, revokers: ['idp'], approval: 'auto' },
        { name: 'pats', match: { rules: ['github-classic-pat'] }, revokers: ['gh'] },
      ],
    });
    expect(decide(storedFinding(), o).revocation).toEqual({ actor: 'policy:live-high', revokers: ['idp'], approval: 'auto' });
    // Medium severity: not revoked automatically.
    expect(decide(storedFinding({ blastRadius: { score: 40, severity: 'medium', factors: [] } }), o).revocation).toBeUndefined();
    // Another issuer: not revoked.
    expect(decide(storedFinding({ claims: { iss: 'https://other.example.test' } }), o).revocation).toBeUndefined();
    const pat = storedFinding({ rule: 'github-classic-pat', kind: 'credential', claims: undefined, liveness: { state: 'unknown', checkedBy: [] } });
    expect(decide(pat, o).revocation).toEqual({ actor: 'policy:pats', revokers: ['gh'], approval: 'required' });
  });

  it('applies remediation only to findings seen in the remediator source', () => {
    const o = opts({ remediation: [{ id: 'redact', type: 'slack', source: 'slack-main', match: { minSeverity: 'medium' } }] });
    expect(decide(storedFinding(), o).remediators).toEqual(['redact']);
    expect(decide(storedFinding({ sources: ['jira-main'] }), o).remediators).toEqual([]);
    expect(decide(storedFinding({ blastRadius: { score: 1, severity: 'low', factors: [] } }), o).remediators).toEqual([]);
  });

  it('calls version 1 news and later versions updates', () => {
    expect(findingEventType(1)).toBe('finding.created');
    expect(findingEventType(3)).toBe('finding.updated');
  });
});

describe('act options', () => {
  it('reports every problem with its path', () => {
    const r = ActOptionsSchema.safeParse({
      sinks: [
        { id: 'dup', type: 'webhook', url: 'ftp://x.example', secretEnv: 'S' },
        { id: 'dup', type: 'ssf', url: 'https://user:pw@rx.example/ev', audience: 'rx' },
        { id: 'Bad Id', type: 'slack', tokenEnv: 'T', channel: 'C1' },
      ],
      routes: [{ sinks: ['nope'] }],
      revocation: [{ revokers: ['ghost'] }],
      allowPrivateCidrs: ['10.0.0.0/33'],
    });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^sinks\.0\.url: .*https/),
        expect.stringMatching(/^sinks\.1\.url: .*credentials/),
        expect.stringMatching(/^sinks\.2\.id: .*kebab/),
      ]),
    );
  });

  it('checks cross references once the entries are valid', () => {
    const r = ActOptionsSchema.safeParse({
      sinks: [
        { id: 'a', type: 'webhook', url: 'https://x.example/h', secretEnv: 'S' },
        { id: 'a', type: 'ssf', url: 'https://rx.example/ev', audience: 'rx' },
      ],
      routes: [{ sinks: ['nope'] }],
      revocation: [{ revokers: ['ghost'] }],
      allowPrivateCidrs: ['10.0.0.0/33'],
    });
    const paths = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        'sinks.1.id: id "a" is already used by sinks.0.id',
        'routes.0.sinks.0: no sink with id "nope"',
        'revocation.0.revokers.0: no revoker with id "ghost"',
        'ssf: an ssf sink needs act.ssf (issuer and signing key)',
        'allowPrivateCidrs.0: a CIDR range or IP address',
      ]),
    );
  });

  it('is part of the config: embedded defaults alert nowhere and revoke nothing; *Env keys must be set', () => {
    const d = resolveConfig({}, {}).config.act;
    expect(d).toMatchObject({ dryRun: false, approval: 'auto', sinks: [], revokers: [], revocation: [], delivery: { maxAttempts: 5 } });
    expect(() => resolveConfig({ act: { sinks: [{ id: 'w', type: 'webhook', url: 'https://x.example/h', secretEnv: 'TR_TEST_UNSET_SECRET' }] } }, {})).toThrow(
      /act\.sinks\[0\]\.secretEnv: environment variable TR_TEST_UNSET_SECRET is not set/,
    );
  });
});
