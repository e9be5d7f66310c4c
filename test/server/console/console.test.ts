/**
 * The web console, rendered by the server: sign-in (and its own CSRF), security headers on every
 * page, no inline script or style, attacker-controlled text (claims, channel names, paths) rendered
 * inert, forms that need the session's CSRF token, role-dependent actions, the dashboard, findings
 * list (filters, sort, pages), finding detail, approvals, API keys, and basic accessibility
 * structure (skip link, landmarks, labelled controls).
 */
import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP } from '../../../src/server/routes/console.js';
import { fakeSignedJwt, inDays, nowSeconds } from '../../support/jwt-factory.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver.js';
import { adminJwt, csrfOf, form, githubPat, readJwt, setCookie, signIn, startTestServer, type TestServer } from '../api/helpers.js';

const XSS_CLAIM = '<script>alert("claim")</script><img src=x onerror=alert(2)>';
const XSS_CHANNEL = '"><svg onload=alert(3)>';

function expectSecureHeaders(res: LightMyRequestResponse): void {
  expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
  expect(res.headers['x-frame-options']).toBe('DENY');
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['cache-control']).toBe('no-store');
}

/** No script or style that the CSP would have to allow inline. */
function expectNoInlineCode(html: string): void {
  expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/i);
  expect(html).not.toMatch(/\sstyle\s*=/i);
  expect(html).not.toMatch(/<[a-z][^>]*\son[a-z]+\s*=/i);
  expect(html).not.toMatch(/<style/i);
  expect(html).not.toMatch(/href\s*=\s*["']?\s*javascript:/i);
}

/** Every visible form control has a label (for= or wrapping) and the page has the landmarks. */
function expectAccessibleStructure(html: string): void {
  expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
  expect(html).toMatch(/<a class="skip" href="#main">/);
  expect(html).toMatch(/<main id="main"/);
  for (const m of html.matchAll(/<(input|select|textarea)\b([^>]*)>/g)) {
    const attrs = m[2]!;
    if (/type="(hidden|submit)"/.test(attrs)) continue;
    const id = /\sid="([^"]+)"/.exec(attrs)?.[1];
    const wrapped = /type="checkbox"/.test(attrs);
    expect(wrapped || (id !== undefined && html.includes(`for="${id}"`)), `unlabelled control: ${m[0]}`).toBe(true);
  }
  expect(html).not.toMatch(/<div[^>]*onclick/i);
}

describe('console', () => {
  let s: TestServer;
  let rx: WebhookReceiver;
  let xss = '';
  let pat = '';
  let fpTarget = '';
  const tokens: string[] = [];

  beforeAll(async () => {
    rx = await startWebhookReceiver();
    rx.respond(() => ({ status: 200, json: { outcome: 'revoked' } }));
    s = await startTestServer({
      config: {
        act: { approval: 'required', revokers: [{ id: 'inhouse', type: 'webhook', url: rx.url, secretEnv: 'INHOUSE_SECRET', rules: ['jwt'] }] },
        // many sign-ins from one test client (the limits have their own test)
        console: { loginRateLimit: { perIp: { max: 1000 }, perKey: { max: 1000 } } },
      },
      env: { INHOUSE_SECRET: `whsec_${randomBytes(32).toString('base64')}` },
    });
    const evil = fakeSignedJwt({ iss: 'https://idp.example.test/', sub: 'mallory', note: XSS_CLAIM, scope: 'admin', exp: inDays(30), iat: nowSeconds() });
    const g = githubPat();
    const a = adminJwt();
    tokens.push(evil, g, a);
    xss = (await s.plant(`look ${evil}`, {
      source: 'slack-main',
      locator: { kind: 'slack', channel: 'C0EVIL', channelName: XSS_CHANNEL, ts: '1700000000.000200', permalink: 'javascript:alert(4)', path: 'x' },
      exposure: { visibility: 'public', label: XSS_CHANNEL },
      author: '<b>mallory</b>',
    }))[0]!;
    pat = (await s.plant(`token ${g}`, { source: 'git', locator: { kind: 'github', repo: 'acme/api', commit: 'c'.repeat(40), path: 'ci.yml', line: 4, url: 'https://github.com/acme/api/commit/' + 'c'.repeat(40) } as never }))[0]!;
    fpTarget = (await s.plant(`prod ${a}`, { source: 'jira-main', locator: { kind: 'jira', issue: 'SEC-7', field: 'comment', url: 'https://acme.atlassian.net/browse/SEC-7', path: 'SEC-7' } }))[0]!;
    await s.plant(`reader ${readJwt()}`);
  });
  afterAll(async () => {
    await s?.close();
    await rx?.close();
  });

  it('sends visitors to sign in, and back where they were going', async () => {
    const res = await s.app.inject({ url: `/console/findings/${pat}` });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/console/login?next=${encodeURIComponent(`/console/findings/${pat}`)}`);
    expect((await s.app.inject({ url: '/' })).headers.location).toBe('/console/');
    const page = await s.app.inject({ url: '/console/login' });
    expect(page.statusCode).toBe(200);
    expectSecureHeaders(page);
    expectNoInlineCode(page.body);
    expectAccessibleStructure(page.body);
    expect(page.body).toMatch(/<label for="key">API key<\/label>/);
    expect(page.body).toMatch(/<input id="key" name="key" type="password" autocomplete="off"/);
    expect(setCookie(page, 'tr_login')!.header).toMatch(/HttpOnly; SameSite=Strict/);
  });

  it('refuses a sign-in form without its token, and a wrong key without echoing it', async () => {
    const f = form({ key: s.keys.viewer, _csrf: 'x'.repeat(32) });
    const forged = await s.app.inject({ method: 'POST', url: '/console/login', payload: f.payload, headers: f.headers });
    expect(forged.statusCode).toBe(403);
    expect(setCookie(forged, 'tr_session')).toBeUndefined();
    const page = await s.app.inject({ url: '/console/login' });
    const wrongKey = `trk_${'q'.repeat(12)}_${randomBytes(32).toString('base64url')}`;
    const g = form({ key: wrongKey, _csrf: csrfOf(page.body), next: 'https://evil.example/' });
    const res = await s.app.inject({ method: 'POST', url: '/console/login', payload: g.payload, headers: { ...g.headers, cookie: setCookie(page, 'tr_login')!.pair } });
    expect(res.statusCode).toBe(401);
    expect(res.body).toContain('role="alert"');
    expect(res.body).not.toContain(wrongKey);
    expect(res.body).not.toContain('evil.example');
  });

  it('shows the dashboard: open findings by severity and source, the trend chart, median time to revoke', async () => {
    const session = await signIn(s.app, s.keys.viewer);
    const res = await s.app.inject({ url: '/console/', headers: { cookie: session.cookie } });
    expect(res.statusCode).toBe(200);
    expectSecureHeaders(res);
    expectNoInlineCode(res.body);
    expectAccessibleStructure(res.body);
    expect(res.body).toMatch(/<h2 id="c-open">Open findings<\/h2><p class="big">4<\/p>/);
    for (const src of ['slack-main', 'git', 'jira-main', 'files']) expect(res.body).toContain(`>${src}</a>`);
    expect(res.body).toMatch(/<svg class="trend" viewBox="0 0 600 160" role="img" aria-label="Findings per day from \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d: 4 new, 0 revoked"/);
    expect(res.body).toContain('Median time to revoke');
    expect(res.body).not.toContain('No findings yet');
  });

  it('lists findings with severity, score bars and liveness, filters, sortable headers and pages', async () => {
    const session = await signIn(s.app, s.keys.viewer);
    const all = await s.app.inject({ url: '/console/findings', headers: { cookie: session.cookie } });
    expect(all.statusCode).toBe(200);
    expectNoInlineCode(all.body);
    expectAccessibleStructure(all.body);
    expect(all.body.match(/<tr>\s*<td><span class="badge sev-/g)).toHaveLength(4);
    expect(all.body).toMatch(/<th scope="col" aria-sort="descending"><a href="\/console\/findings\?sort=score&amp;order=asc">Score ▼/);
    expect(all.body).toContain('class="scorebar"');
    expect(all.body).toMatch(/class="badge live-(unverifiable|live|expired|unknown)"/);
    const filtered = await s.app.inject({ url: '/console/findings?source=git&severity=&q=', headers: { cookie: session.cookie } });
    expect(filtered.body.match(/<tr>\s*<td><span class="badge sev-/g)).toHaveLength(1);
    expect(filtered.body).toContain(`/console/findings/${pat}`);
    expect(filtered.body).toMatch(/<option value="git" selected>git<\/option>/);
    const text = await s.app.inject({ url: '/console/findings?q=SEC-7', headers: { cookie: session.cookie } });
    expect(text.body).toContain(`/console/findings/${fpTarget}`);
    expect(text.body.match(/<tr>\s*<td><span class="badge sev-/g)).toHaveLength(1);
    const paged = await s.app.inject({ url: '/console/findings?limit=2', headers: { cookie: session.cookie } });
    const next = /<a href="([^"]+)" rel="next">Next page<\/a>/.exec(paged.body)?.[1]?.replaceAll('&amp;', '&');
    expect(next).toBeDefined();
    const page2 = await s.app.inject({ url: next!, headers: { cookie: session.cookie } });
    expect(page2.body.match(/<tr>\s*<td><span class="badge sev-/g)).toHaveLength(2);
    expect(page2.body).toContain('First page');
    const bad = await s.app.inject({ url: '/console/findings?severity=huge', headers: { cookie: session.cookie } });
    expect(bad.statusCode).toBe(400);
  });

  it('renders attacker-controlled claims, channel names, authors and links inert', async () => {
    const session = await signIn(s.app, s.keys.responder);
    for (const url of [`/console/findings/${xss}`, '/console/findings', '/console/findings?q=%3Cscript%3E']) {
      const res = await s.app.inject({ url, headers: { cookie: session.cookie } });
      expect(res.statusCode).toBe(200);
      expectNoInlineCode(res.body);
      expect(res.body).not.toContain('<script>alert');
      expect(res.body).not.toContain('<img src=x');
      expect(res.body).not.toContain('<svg onload');
      expect(res.body).not.toContain('<b>mallory</b>');
      expect(res.body).not.toContain('javascript:alert');
    }
    const detail = await s.app.inject({ url: `/console/findings/${xss}`, headers: { cookie: session.cookie } });
    expect(detail.body).toContain('&lt;script&gt;alert(\\&quot;claim\\&quot;)&lt;/script&gt;');
    expect(detail.body).toContain('channel #&quot;&gt;&lt;svg onload=alert(3)&gt;');
    expect(detail.body).toContain('&lt;b&gt;mallory&lt;/b&gt;');
    for (const t of tokens) expect(detail.body).not.toContain(t);
  });

  it('shows a finding: factors bar, profile, masked claims, occurrences linking back, actions by role', async () => {
    const viewer = await signIn(s.app, s.keys.viewer);
    const v = await s.app.inject({ url: `/console/findings/${pat}`, headers: { cookie: viewer.cookie } });
    expect(v.statusCode).toBe(200);
    expectAccessibleStructure(v.body);
    expect(v.body).toContain('class="factorbar"');
    expect(v.body).toContain('<a href="https://github.com/acme/api/commit/' + 'c'.repeat(40) + '" rel="noopener noreferrer" target="_blank">Open on GitHub');
    expect(v.body).toContain('can read findings; a responder or admin key can act on them');
    expect(v.body).not.toMatch(/action="\/console\/findings\/[^"]+\/acknowledge"/);
    const responder = await signIn(s.app, s.keys.responder);
    const r = await s.app.inject({ url: `/console/findings/${fpTarget}`, headers: { cookie: responder.cookie } });
    expect(r.body).toContain('Open in Jira');
    expect(r.body).toMatch(/<h2 id="profile">Token profile<\/h2>\s*<dl class="kv">/);
    expect(r.body).toContain('Global Administrator');
    for (const verb of ['acknowledge', 'assign', 'revoke', 'false-positive', 'resolve', 'recheck']) {
      expect(r.body).toMatch(new RegExp(`<form method="post" action="/console/findings/${fpTarget.replace(':', ':')}/${verb}"[^>]*><input type="hidden" name="_csrf" value="${responder.csrf}">`));
    }
    expect(r.body).not.toMatch(/\/reopen"/);
  });

  it('changes state only with the session CSRF token; marks a false positive from the form', async () => {
    const session = await signIn(s.app, s.keys.responder);
    const url = `/console/findings/${pat}/false-positive`;
    for (const token of [undefined, 'wrong-token-wrong-token-wrong']) {
      const f = form({ reason: 'test fixture', ...(token ? { _csrf: token } : {}) });
      const res = await s.app.inject({ method: 'POST', url, payload: f.payload, headers: { ...f.headers, cookie: session.cookie } });
      expect(res.statusCode).toBe(403);
      expect(res.body).toContain('CSRF');
    }
    const cross = form({ reason: 'x', _csrf: session.csrf });
    expect((await s.app.inject({ method: 'POST', url, payload: cross.payload, headers: { ...cross.headers, cookie: session.cookie, origin: 'https://evil.example' } })).statusCode).toBe(403);
    expect((await s.store.getFinding(pat))!.status).toBe('open');
    const noReason = form({ reason: '', _csrf: session.csrf });
    const missing = await s.app.inject({ method: 'POST', url, payload: noReason.payload, headers: { ...noReason.headers, cookie: session.cookie } });
    expect(missing.statusCode).toBe(422);
    expect(missing.body).toMatch(/class="notice error" role="alert">a reason is required/);
    const ok = form({ reason: 'a test fixture token', _csrf: session.csrf });
    const res = await s.app.inject({ method: 'POST', url, payload: ok.payload, headers: { ...ok.headers, cookie: session.cookie } });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/console/findings/${pat}?done=false-positive`);
    const after = await s.app.inject({ url: res.headers.location!, headers: { cookie: session.cookie } });
    expect(after.body).toContain('Marked as a false positive');
    expect(after.body).toMatch(/status <strong>false-positive<\/strong>/);
    expect(after.body).toMatch(/finding\.false-positive<\/strong> by rita responder/);
    expect(after.body).toMatch(/action="\/console\/findings\/[^"]+\/reopen"/);
    // a transition the status does not allow: 409 with the page and the reason
    const again = form({ reason: 'again', _csrf: session.csrf });
    const conflict = await s.app.inject({ method: 'POST', url, payload: again.payload, headers: { ...again.headers, cookie: session.cookie } });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.body).toContain('cannot mark as false positive a finding that is false-positive');
  });

  it('a viewer cannot act through the console either', async () => {
    const session = await signIn(s.app, s.keys.viewer);
    const f = form({ _csrf: session.csrf });
    const res = await s.app.inject({ method: 'POST', url: `/console/findings/${fpTarget}/acknowledge`, payload: f.payload, headers: { ...f.headers, cookie: session.cookie } });
    expect(res.statusCode).toBe(403);
    expect((await s.store.getFinding(fpTarget))!.status).toBe('open');
  });

  it('requests a revocation, then approves it from the approvals page', async () => {
    const session = await signIn(s.app, s.keys.responder);
    const f = form({ reason: 'prod admin token', _csrf: session.csrf });
    const res = await s.app.inject({ method: 'POST', url: `/console/findings/${fpTarget}/revoke`, payload: f.payload, headers: { ...f.headers, cookie: session.cookie } });
    expect(res.statusCode).toBe(303);
    const approvals = await s.app.inject({ url: '/console/approvals', headers: { cookie: session.cookie } });
    expectNoInlineCode(approvals.body);
    expect(approvals.body).toContain(`/console/findings/${fpTarget}`);
    const action = /action="\/console\/actions\/([0-9a-f-]{36})\/approve"/.exec(approvals.body)?.[1];
    expect(action).toBeDefined();
    expect(rx.requests).toHaveLength(0);
    const approve = form({ _csrf: csrfOf(approvals.body), back: '/console/approvals' });
    const done = await s.app.inject({ method: 'POST', url: `/console/actions/${action}/approve`, payload: approve.payload, headers: { ...approve.headers, cookie: session.cookie } });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/console/approvals?done=approve');
    expect(rx.requests).toHaveLength(1);
    expect((await s.store.getFinding(fpTarget))!.status).toBe('revoked');
    const page = await s.app.inject({ url: done.headers.location!, headers: { cookie: session.cookie } });
    expect(page.body).toContain('Revocation approved.');
    expect(page.body).toContain('Nothing is waiting');
  });

  it('lets admins create (shown once) and revoke keys; others get 403', async () => {
    const responder = await signIn(s.app, s.keys.responder);
    expect((await s.app.inject({ url: '/console/keys', headers: { cookie: responder.cookie } })).statusCode).toBe(403);
    const admin = await signIn(s.app, s.keys.admin);
    const page = await s.app.inject({ url: '/console/keys', headers: { cookie: admin.cookie } });
    expect(page.statusCode).toBe(200);
    expectNoInlineCode(page.body);
    expectAccessibleStructure(page.body);
    const f = form({ label: 'pager bot', role: 'viewer', _csrf: admin.csrf });
    const created = await s.app.inject({ method: 'POST', url: '/console/keys', payload: f.payload, headers: { ...f.headers, cookie: admin.cookie } });
    expect(created.statusCode).toBe(201);
    const key = /<p class="keybox mono" id="created-key">(trk_[^<]+)<\/p>/.exec(created.body)?.[1];
    expect(key).toBeDefined();
    expect(await s.store.verifyApiKey(key!)).toMatchObject({ role: 'viewer', label: 'pager bot' });
    const list = await s.app.inject({ url: '/console/keys', headers: { cookie: admin.cookie } });
    expect(list.body).not.toContain(key!);
    const id = key!.slice(4, 16);
    const r = form({ _csrf: admin.csrf });
    const revoked = await s.app.inject({ method: 'POST', url: `/console/keys/${id}/revoke`, payload: r.payload, headers: { ...r.headers, cookie: admin.cookie } });
    expect(revoked.statusCode).toBe(303);
    expect(await s.store.verifyApiKey(key!)).toBeNull();
  });

  it('serves its stylesheet and script from this origin, cacheable', async () => {
    for (const [name, type] of [
      ['app.css', 'text/css'],
      ['app.js', 'text/javascript'],
    ] as const) {
      const res = await s.app.inject({ url: `/console/assets/${name}` });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain(type);
      expect(res.headers['cache-control']).toBe('public, max-age=3600');
      const again = await s.app.inject({ url: `/console/assets/${name}`, headers: { 'if-none-match': String(res.headers.etag) } });
      expect(again.statusCode).toBe(304);
    }
    expect((await s.app.inject({ url: '/console/assets/..%2Fpackage.json' })).statusCode).toBe(404);
    expect((await s.app.inject({ url: '/console/assets/constructor' })).statusCode).toBe(404);
  });

  it('shows the connect-a-source page', async () => {
    const session = await signIn(s.app, s.keys.viewer);
    const res = await s.app.inject({ url: '/console/welcome', headers: { cookie: session.cookie } });
    expect(res.statusCode).toBe(200);
    expectAccessibleStructure(res.body);
    for (const t of ['type: slack', 'type: jira', 'type: github', 'channels:history', 'Contents: read', 'Browse projects']) expect(res.body).toContain(t);
  });
});

/** WCAG relative luminance and contrast ratio of two #rrggbb colours. */
function contrast(a: string, b: string): number {
  const lum = (short: string) => {
    const hex = short.length === 4 ? `#${[...short.slice(1)].map((c) => c + c).join('')}` : short;
    const [r, g, bl] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p) as [number, number];
  return (x + 0.05) / (y + 0.05);
}

describe('console colours', () => {
  it('meet WCAG AA contrast for every badge and button', async () => {
    const { CSS } = await import('../../../src/server/console/assets.js');
    const rules = [...CSS.matchAll(/([^{}\n]+)\{([^}]*)\}/g)].map((m) => ({ selector: m[1]!.trim(), body: m[2]! }));
    const pairs = rules
      .map((r) => ({ selector: r.selector, bg: /background:\s*(#(?:[0-9a-f]{6}|[0-9a-f]{3}))\b/i.exec(r.body)?.[1], fg: /(?:^|;|\s)color:\s*(#(?:[0-9a-f]{6}|[0-9a-f]{3}))\b/i.exec(r.body)?.[1] }))
      .filter((p): p is { selector: string; bg: string; fg: string } => Boolean(p.bg && p.fg));
    expect(pairs.length).toBeGreaterThanOrEqual(10);
    for (const p of pairs) expect(contrast(p.fg, p.bg), p.selector).toBeGreaterThanOrEqual(4.5);
  });
});

describe('console on an empty store', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('points a new user to connecting a source', async () => {
    const session = await signIn(s.app, s.keys.viewer);
    const res = await s.app.inject({ url: '/console/', headers: { cookie: session.cookie } });
    expect(res.body).toContain('No findings yet.');
    expect(res.body).toContain('href="/console/welcome"');
    const welcome = await s.app.inject({ url: '/console/welcome', headers: { cookie: session.cookie } });
    expect(welcome.body).toContain('tokenradius demo');
  });
});
