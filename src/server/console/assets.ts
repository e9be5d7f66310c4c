/**
 * The console's only static assets, embedded so the build needs no copy step and the console needs
 * no network: one stylesheet and one small script. Both are served from `/console/assets/` under a
 * `Content-Security-Policy` that allows scripts and styles from this origin only (no inline code).
 *
 * Colours: text on backgrounds meets WCAG AA (4.5:1 body text, 3:1 large text and graphics); severity
 * is always written out next to its colour.
 */
import { createHash } from 'node:crypto';

export const CSS = `
:root { --fg:#0f172a; --muted:#475569; --bg:#ffffff; --panel:#f8fafc; --line:#cbd5e1; --link:#1d4ed8; --focus:#1d4ed8; --accent:#0f172a; }
* { box-sizing: border-box; }
html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: var(--bg); line-height: 1.45; }
body { margin: 0; }
a { color: var(--link); }
a:hover { text-decoration-thickness: 2px; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -9999px; top: 0; background: #fff; padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: .5rem; top: .5rem; }
.visually-hidden { position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
header.top { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: .5rem 1rem; padding: .6rem 1.2rem; background: var(--accent); color: #fff; }
header.top a { color: #fff; }
header.top :focus-visible { outline-color: #fff; }
header.top .brand { font-weight: 700; font-size: 1.1rem; text-decoration: none; margin-right: 1rem; }
header.top nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem 1rem; margin: 0; padding: 0; align-items: center; }
header.top nav a[aria-current="page"] { text-decoration-thickness: 3px; font-weight: 600; }
header.top .who { display: flex; gap: .6rem; align-items: center; font-size: .9rem; }
header.top .who button { background: transparent; color: #fff; border: 1px solid #fff; }
main { padding: 1.2rem; max-width: 1280px; margin: 0 auto; }
main:focus { outline: none; }
h1 { font-size: 1.5rem; margin: .2rem 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.6rem 0 .6rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 1rem; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .8rem 1rem; }
.card .big { font-size: 2rem; font-weight: 700; }
.muted { color: var(--muted); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; background: var(--panel); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; }
pre { background: var(--panel); border: 1px solid var(--line); padding: .6rem; overflow: auto; max-height: 28rem; white-space: pre-wrap; word-break: break-all; }
.badge { display: inline-block; padding: .05rem .45rem; border-radius: 999px; font-size: .82rem; font-weight: 600; border: 1px solid; white-space: nowrap; }
.sev-critical { background: #fde2e2; color: #7f1d1d; border-color: #b91c1c; }
.sev-high { background: #ffedd5; color: #7c2d12; border-color: #c2410c; }
.sev-medium { background: #fef3c7; color: #713f12; border-color: #a16207; }
.sev-low { background: #e0f2fe; color: #0c4a6e; border-color: #0369a1; }
.sev-info { background: #f1f5f9; color: #334155; border-color: #64748b; }
.live-live { background: #fde2e2; color: #7f1d1d; border-color: #b91c1c; }
.live-expired, .live-revoked { background: #dcfce7; color: #14532d; border-color: #15803d; }
.live-invalid-signature { background: #ede9fe; color: #4c1d95; border-color: #6d28d9; }
.live-not-yet-valid, .live-unverifiable, .live-unknown { background: #f1f5f9; color: #334155; border-color: #64748b; }
.status { font-size: .85rem; color: var(--muted); }
.scorecell { display: flex; align-items: center; gap: .4rem; }
figure.factors { margin: 0; }
.factorbar { width: 100%; height: 18px; display: block; border: 1px solid var(--line); }
.legend { list-style: none; padding: 0; margin: .5rem 0; display: flex; flex-wrap: wrap; gap: .3rem 1.2rem; font-size: .9rem; }
.trend { width: 100%; max-width: 720px; height: auto; }
.trend .tick { font-size: 11px; fill: #334155; }
.chart-legend { font-size: .9rem; }
.chart-legend .opened { color: #9a3412; font-weight: 600; }
.chart-legend .revoked { color: #047857; font-weight: 600; }
form.filters { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: .6rem 1rem; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .8rem 1rem; margin-bottom: 1rem; align-items: end; }
fieldset { border: 1px solid var(--line); border-radius: 4px; margin: 0; padding: .3rem .6rem .5rem; }
legend { font-weight: 600; font-size: .9rem; padding: 0 .2rem; }
label { font-weight: 600; font-size: .9rem; display: block; }
fieldset label { font-weight: 400; display: inline-flex; gap: .25rem; align-items: center; margin-right: .6rem; }
input[type=text], input[type=password], input[type=search], select, textarea { font: inherit; padding: .35rem .5rem; border: 1px solid #64748b; border-radius: 4px; width: 100%; background: #fff; color: var(--fg); }
button, .button { font: inherit; padding: .4rem .9rem; border-radius: 4px; border: 1px solid #1e3a8a; background: #1d4ed8; color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary, .button.secondary { background: #fff; color: #1e3a8a; }
button.danger { background: #b91c1c; border-color: #7f1d1d; }
.actions { display: grid; grid-template-columns: repeat(auto-fit, minmax(240px, 1fr)); gap: .8rem; }
.actions form { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem; display: flex; flex-direction: column; gap: .4rem; }
.notice { border-left: 4px solid #1d4ed8; background: #eff6ff; padding: .6rem 1rem; margin: 0 0 1rem; }
.notice.error { border-color: #b91c1c; background: #fef2f2; }
.notice.success { border-color: #15803d; background: #f0fdf4; }
.pager { display: flex; gap: 1rem; margin: 1rem 0; }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dl.kv dt { font-weight: 600; }
dl.kv dd { margin: 0; word-break: break-word; }
.timeline { list-style: none; padding: 0; margin: 0; border-left: 3px solid var(--line); }
.timeline li { padding: .3rem 0 .5rem .8rem; position: relative; }
.timeline time { color: var(--muted); font-size: .85rem; margin-right: .5rem; }
.login { max-width: 28rem; margin: 3rem auto; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 1.5rem; }
.login form { display: flex; flex-direction: column; gap: .8rem; }
.keybox { font-size: 1rem; padding: .6rem; background: #fff; border: 2px dashed #1d4ed8; word-break: break-all; }
@media (max-width: 640px) { th.hide-sm, td.hide-sm { display: none; } }
`;

export const JS = `
'use strict';
// Confirm destructive actions. The forms work the same without this script.
document.addEventListener('submit', function (e) {
  var form = e.target;
  if (!(form instanceof HTMLFormElement)) return;
  var msg = form.getAttribute('data-confirm');
  if (msg && !window.confirm(msg)) e.preventDefault();
});
// Copy a freshly created key to the clipboard.
document.addEventListener('click', function (e) {
  var btn = e.target instanceof Element ? e.target.closest('[data-copy]') : null;
  if (!btn) return;
  var el = document.getElementById(btn.getAttribute('data-copy'));
  if (!el || !navigator.clipboard) return;
  navigator.clipboard.writeText(el.textContent.trim()).then(function () { btn.textContent = 'Copied'; });
});
`;

function etag(text: string): string {
  return `"${createHash('sha256').update(text).digest('base64url').slice(0, 16)}"`;
}

export const ASSETS: Readonly<Record<string, { body: string; type: string; etag: string }>> = {
  'app.css': { body: CSS, type: 'text/css; charset=utf-8', etag: etag(CSS) },
  'app.js': { body: JS, type: 'text/javascript; charset=utf-8', etag: etag(JS) },
};
