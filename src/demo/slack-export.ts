/**
 * Writes a small Slack workspace export (the unpacked folder layout Slack produces: channels.json,
 * groups.json, dms.json, users.json, one folder per conversation with `YYYY-MM-DD.json` days) with
 * tokens pasted the way people paste them: curl commands, env snippets, "can you try with …".
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DemoTokens } from './tokens.js';

interface Message {
  user: string;
  text: string;
  /** Seconds before `now`. */
  ago: number;
  thread?: number;
}

const USERS = [
  { id: 'U0DEMO0001', name: 'dana', real_name: 'Dana Ops' },
  { id: 'U0DEMO0002', name: 'sam', real_name: 'Sam Backend' },
  { id: 'U0DEMO0003', name: 'lee', real_name: 'Lee Partner (Contoso)' },
  { id: 'U0DEMO0004', name: 'kim', real_name: 'Kim SRE' },
];

function ts(now: Date, ago: number, seq: number): string {
  return `${Math.floor(now.getTime() / 1000) - ago}.${String(100 + seq).padStart(6, '0')}`;
}

function day(tsText: string): string {
  return new Date(Number(tsText.split('.')[0]) * 1000).toISOString().slice(0, 10);
}

async function writeConversation(root: string, folder: string, messages: Message[], now: Date): Promise<void> {
  const dir = join(root, folder);
  await mkdir(dir, { recursive: true });
  const byDay = new Map<string, unknown[]>();
  messages.forEach((m, i) => {
    const t = ts(now, m.ago, i);
    const msg: Record<string, unknown> = { type: 'message', user: m.user, text: m.text, ts: t };
    if (m.thread !== undefined) msg.thread_ts = ts(now, m.thread, 0);
    const d = day(t);
    byDay.set(d, [...(byDay.get(d) ?? []), msg]);
  });
  for (const [d, list] of byDay) await writeFile(join(dir, `${d}.json`), JSON.stringify(list, null, 2));
}

/** Writes the export under `root` (created); returns its path. */
export async function writeDemoSlackExport(root: string, tok: DemoTokens, now: Date): Promise<string> {
  await mkdir(root, { recursive: true });
  const created = Math.floor(now.getTime() / 1000) - 400 * 86_400;
  const members = USERS.map((u) => u.id);
  const channels = [
    { id: 'C0DEMOGEN1', name: 'general', created, is_channel: true, is_general: true, num_members: 842, members },
    { id: 'C0DEMOPRT1', name: 'partner-contoso', created, is_channel: true, is_ext_shared: true, is_shared: true, num_members: 37, members },
    { id: 'C0DEMOENG1', name: 'eng-deploys', created, is_channel: true, num_members: 64, members },
  ];
  const groups = [{ id: 'G0DEMOSRE1', name: 'sre-oncall', created, is_private: true, is_group: true, members: ['U0DEMO0001', 'U0DEMO0004'] }];
  const dms = [{ id: 'D0DEMODM01', created, members: ['U0DEMO0002', 'U0DEMO0004'] }];
  await writeFile(join(root, 'users.json'), JSON.stringify(USERS, null, 2));
  await writeFile(join(root, 'channels.json'), JSON.stringify(channels, null, 2));
  await writeFile(join(root, 'groups.json'), JSON.stringify(groups, null, 2));
  await writeFile(join(root, 'dms.json'), JSON.stringify(dms, null, 2));

  await writeConversation(
    root,
    'partner-contoso',
    [
      { user: 'U0DEMO0003', text: 'Graph calls from our side still fail with 403, can someone on your side check?', ago: 3 * 86_400 + 600 },
      { user: 'U0DEMO0001', text: `try with my token for now:\n\`\`\`curl -H "Authorization: Bearer ${tok.entraGlobalAdmin}" https://graph.microsoft.com/v1.0/users\`\`\``, ago: 3 * 86_400 },
      { user: 'U0DEMO0003', text: 'works, thanks!', ago: 3 * 86_400 - 120 },
    ],
    now,
  );
  await writeConversation(
    root,
    'general',
    [
      { user: 'U0DEMO0002', text: 'Reminder: all-hands at 4pm', ago: 6 * 86_400 },
      { user: 'U0DEMO0002', text: `anyone know why the billing app logs me out? my token is ${tok.overEnriched}`, ago: 2 * 86_400 },
      { user: 'U0DEMO0004', text: `old one from last month still in my notes: ${tok.expired}`, ago: 9 * 86_400 },
    ],
    now,
  );
  await writeConversation(
    root,
    'eng-deploys',
    [
      { user: 'U0DEMO0004', text: 'deploy of billing-api 2.14 is out', ago: 26 * 86_400 },
      { user: 'U0DEMO0001', text: `okta deploy bot token for the pipeline (rotate after): ${tok.oktaAdmin}`, ago: 14 * 86_400 },
      { user: 'U0DEMO0002', text: `bot token for the release notifier: \`${tok.slackBot}\``, ago: 21 * 86_400 },
    ],
    now,
  );
  await writeConversation(
    root,
    'sre-oncall',
    [{ user: 'U0DEMO0004', text: `kubectl --token=${tok.k8sLegacy} get pods -n kube-system`, ago: 5 * 86_400 }],
    now,
  );
  await writeConversation(root, 'D0DEMODM01', [{ user: 'U0DEMO0002', text: `docs api token if you need it: ${tok.readOnly}`, ago: 86_400 }], now);
  return root;
}
