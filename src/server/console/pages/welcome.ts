/**
 * First-run page: how to connect a source, with a config snippet per connector and the least
 * privilege each needs. Static text (nothing dynamic but the caller's name).
 */
import type { Principal } from '../../auth/principal.js';
import { html } from '../html.js';
import { page } from '../layout.js';

const SLACK = `sources:
  - id: slack-main
    type: slack
    tokenEnv: SLACK_BOT_TOKEN            # xoxb- token of your Slack app (never in this file)
    signingSecretEnv: SLACK_SIGNING_SECRET   # enables real-time Events API delivery
    channelTypes: [public_channel, private_channel]
    schedule: "*/15 * * * *"             # backfill every 15 minutes (UTC cron)`;

const JIRA = `sources:
  - id: jira-main
    type: jira
    host: "https://acme.atlassian.net"
    emailEnv: JIRA_EMAIL                 # a read-only user
    apiTokenEnv: JIRA_API_TOKEN
    jql: "project in (OPS, SEC)"
    webhookSecretEnv: JIRA_WEBHOOK_SECRET
    schedule: "*/30 * * * *"`;

const GITHUB = `sources:
  - id: gh-main
    type: github
    tokenEnv: GITHUB_TOKEN               # fine-grained PAT or GitHub App token
    repos: ["acme/api"]
    orgs: []
    webhookSecretEnv: GITHUB_WEBHOOK_SECRET
    schedule: "0 * * * *"`;

const LOCAL = `tokenradius scan ./some-repo ./slack-export.zip ./jira-issues.json   # one-off, nothing stored
tokenradius backfill slack-main                                    # run a configured source now`;

export function welcomePage(o: { principal: Principal; pendingApprovals: number; empty: boolean }): string {
  const body = html`<h1>Connect a source</h1>
${o.empty ? html`<p class="notice" role="status">No findings yet. Add a source below, restart <code>tokenradius serve -c tokenradius.yaml</code>, and findings appear here as they are scanned. To look around first: <code>tokenradius demo</code>.</p>` : ''}
<p>Sources are configured in a YAML file (<code>tokenradius serve -c tokenradius.yaml</code>, or <code>TOKENRADIUS_CONFIG</code>). Secrets never go in the file: keys ending in <code>Env</code> name environment variables. Every source is read-only: tokenradius never writes to it unless you opt in to remediation.</p>

<h2 id="slack">Slack</h2>
<pre>${SLACK}</pre>
<p><strong>Least privilege:</strong> a Slack app with bot scopes <code>channels:read</code>, <code>channels:history</code>, <code>groups:read</code>, <code>groups:history</code> (private channels the bot is invited to), and <code>files:read</code> for text snippets. Add <code>im:history</code> / <code>mpim:history</code> only if you must scan DMs. For real-time scanning, point the app's Event Subscriptions at <code>https://&lt;this host&gt;/webhooks/slack/events</code> (signed with the signing secret; no console session is ever accepted there).</p>

<h2 id="jira">Jira Cloud</h2>
<pre>${JIRA}</pre>
<p><strong>Least privilege:</strong> a dedicated user with <em>Browse projects</em> on the projects in the JQL, and nothing else; its API token in <code>JIRA_API_TOKEN</code>. Webhooks (issue and comment created / updated) go to <code>https://&lt;this host&gt;/webhooks/jira</code> with the secret in <code>JIRA_WEBHOOK_SECRET</code>.</p>

<h2 id="github">GitHub</h2>
<pre>${GITHUB}</pre>
<p><strong>Least privilege:</strong> a fine-grained token (or GitHub App) limited to the listed repositories with <em>Contents: read</em> and <em>Metadata: read</em> (add <em>Issues / Pull requests: read</em> for comments). Push webhooks go to <code>https://&lt;this host&gt;/webhooks/github</code>, signed with <code>GITHUB_WEBHOOK_SECRET</code>.</p>

<h2 id="local">Local files, clones and exports</h2>
<pre>${LOCAL}</pre>

<h2 id="keys">Keys for your team</h2>
<p>Give each person or integration its own key: <code>tokenradius keys create --role viewer|responder|admin --label "who"</code> (or the API keys page as an admin). Viewers read; responders act on findings and approve revocations; admins also manage keys.</p>`;
  return page({ title: 'Connect a source', body, principal: o.principal, current: 'welcome', pendingApprovals: o.pendingApprovals });
}
