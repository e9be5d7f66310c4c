/**
 * Microsoft Azure / Entra ID: storage account keys (in connection strings or named), Service Bus /
 * Event Hubs / IoT shared access keys, SAS tokens, Entra ID client secrets, Azure DevOps PATs.
 *
 * SAS tokens: the `secret` is the SAS token itself — the query string (`sv=…&…&sig=…`) that grants
 * access, as Azure's portal shows it — not the whole URL, so the same token pasted with different
 * blob paths is one finding. `context.host` names the storage account endpoint when a URL
 * precedes it; `context.expiry` is the `se=` value.
 */
import type { Detector, Match } from '../types.js';
import { isPlaceholder, looksRedacted, shannonEntropy } from '../filters.js';
import { ALNUM, BASE64, LOWER, randomBody } from './gen.js';
import { around, combinedRule, guardedFind, lineBreaksUnescaped, namedValuePattern, patternRule } from './kit.js';

const b64Key = (bytes: number): string => Buffer.from(randomBody(ALNUM, bytes)).toString('base64').slice(0, Math.ceil(bytes / 3) * 4);
const storageKey = (): string => `${randomBody(BASE64, 86)}==`;

// https://learn.microsoft.com/en-us/azure/storage/common/storage-configure-connection-string — AccountKey=<88 base64>.
const ACCOUNT_KEY = /(?:AccountKey\s{0,2}=\s{0,2}|azure[\w.-]{0,30}?(?:storage|account)[\w.-]{0,10}?key["']?\s{0,4}(?::|=|=>)\s{0,4}["']?)([A-Za-z0-9+/]{86}==)(?![A-Za-z0-9+/=])/gi;

export const azureStorageAccountKey = patternRule({
  id: 'azure-storage-account-key',
  name: 'Azure storage account key',
  docs: 'https://learn.microsoft.com/en-us/azure/storage/common/storage-account-keys-manage',
  keywords: ['AccountKey', 'azure'],
  reach: { privilege: 'owner', scope: 'every blob, file share, queue and table of one storage account', lifetime: 'unbounded' },
  pattern: ACCOUNT_KEY,
  group: 1,
  body: (s) => s.slice(0, 86),
  verify: (_s, text, start, end) => {
    const acct = /AccountName\s{0,2}=\s{0,2}([a-z0-9]{3,24})/.exec(around(text, start, end, 300, 300))?.[1];
    return acct ? { account: acct } : true;
  },
  examples: () => {
    const k = storageKey();
    return {
      match: [
        `DefaultEndpointsProtocol=https;AccountName=acme${randomBody(LOWER, 6)};AccountKey=${k};EndpointSuffix=core.windows.net`,
        `AZURE_STORAGE_ACCOUNT_KEY="${storageKey()}"`,
      ],
      ignore: ['AccountKey=<your-account-key>', `AccountKey=${'A'.repeat(86)}==`, 'UseDevelopmentStorage=true', `AccountKey=${k.slice(0, 20)}...`],
    };
  },
});

// https://learn.microsoft.com/en-us/azure/service-bus-messaging/service-bus-sas — SharedAccessKey=<44 base64> (Service Bus, Event Hubs, IoT Hub, Relay).
const SHARED_KEY = /SharedAccessKey\s{0,2}=\s{0,2}([A-Za-z0-9+/]{42,43}=)(?![A-Za-z0-9+/=])/g;

export const azureSharedAccessKey = patternRule({
  id: 'azure-shared-access-key',
  name: 'Azure Service Bus / Event Hubs / IoT shared access key',
  docs: 'https://learn.microsoft.com/en-us/azure/service-bus-messaging/service-bus-sas',
  keywords: ['SharedAccessKey='],
  reach: { privilege: 'admin', scope: 'a messaging namespace, hub or entity with the policy’s rights (often Manage/Send/Listen)', lifetime: 'unbounded' },
  pattern: SHARED_KEY,
  group: 1,
  verify: (_s, text, start, end) => {
    const host = /Endpoint\s{0,2}=\s{0,2}sb:\/\/([A-Za-z0-9.-]{3,200})/.exec(around(text, start, end, 400, 100))?.[1] ?? /HostName\s{0,2}=\s{0,2}([A-Za-z0-9.-]{3,200})/.exec(around(text, start, end, 400, 100))?.[1];
    return host ? { host } : true;
  },
  examples: () => {
    const k = b64Key(32);
    return {
      match: [
        `Endpoint=sb://acme-${randomBody(LOWER, 5)}.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=${k}`,
        `HostName=hub.azure-devices.net;DeviceId=dev1;SharedAccessKey=${b64Key(32)}`,
      ],
      ignore: ['SharedAccessKey=<key>', `SharedAccessKey=${'x'.repeat(43)}=`, `SharedAccessKey=${k.slice(0, 10)}...`],
    };
  },
});

/** Characters of a URL query string as it appears in text (percent-encoded values). */
const QUERY_CHAR = /[A-Za-z0-9%:+/._~=&-]/;

function sasAt(text: string, sigPos: number): { secret: string; start: number; end: number; context: Record<string, string> } | undefined {
  const before = text[sigPos - 1];
  const ampEntity = text.slice(sigPos - 5, sigPos) === '&amp;';
  if (before !== '?' && before !== '&' && !ampEntity) return undefined;
  // Walk left to the start of the query (after `?`) or of the token (after a delimiter).
  let s = sigPos;
  for (let i = sigPos - 1; i >= 0 && sigPos - i < 2000; i--) {
    const c = text[i]!;
    if (c === ';' && text.slice(i - 4, i + 1) === '&amp;') {
      i -= 4;
      s = i;
      continue;
    }
    if (!QUERY_CHAR.test(c)) break;
    s = i;
  }
  let e = sigPos;
  for (let i = sigPos; i < text.length && i - sigPos < 2000; i++) {
    const c = text[i]!;
    if (c === '&' && text.slice(i, i + 5) === '&amp;') {
      e = i + 5;
      i += 4;
      continue;
    }
    if (!QUERY_CHAR.test(c)) break;
    e = i + 1;
  }
  let token = text.slice(s, e).replace(/&amp;/g, '&').replace(/^\?/, '');
  let start = s + (text[s] === '?' ? 1 : 0);
  const named = /^SharedAccessSignature=/i.exec(token);
  if (named) {
    token = token.slice(named[0].length);
    start += named[0].length;
  }
  token = token.replace(/&+$/, '');
  const params = new Map<string, string>();
  for (const kv of token.split('&')) {
    const eq = kv.indexOf('=');
    if (eq > 0) params.set(kv.slice(0, eq).toLowerCase(), kv.slice(eq + 1));
  }
  const sig = params.get('sig');
  if (!sig || !params.has('sv') || !(params.has('se') || params.has('sp') || params.has('si'))) return undefined;
  let decoded = sig;
  try {
    decoded = decodeURIComponent(sig);
  } catch {
    return undefined;
  }
  // An HMAC-SHA256 in base64: 43 characters + `=`.
  if (!/^[A-Za-z0-9+/]{43}=$/.test(decoded) || isPlaceholder(decoded.slice(0, 43)) || looksRedacted(token) || shannonEntropy(decoded) < 4) return undefined;
  const context: Record<string, string> = {};
  // The resource URL in front of the `?`, when there is one: its host names the storage account.
  const qmark = text[s - 1] === '?' ? s - 1 : s;
  const url = /https?:\/\/([A-Za-z0-9.-]{3,253})[^\s?"'<>]{0,2000}$/.exec(text.slice(Math.max(0, qmark - 2100), qmark));
  if (url) context.host = url[1]!;
  const se = params.get('se');
  if (se) {
    try {
      context.expiry = decodeURIComponent(se);
    } catch {
      /* keep without expiry */
    }
  }
  if (params.get('sp')) context.permissions = params.get('sp')!;
  return { secret: token, start, end: e, context };
}

function sasExample(): string {
  const sig = encodeURIComponent(`${randomBody(BASE64, 43)}=`);
  return `sv=2022-11-02&ss=b&srt=sco&sp=rwdlac&se=2031-01-01T00:00:00Z&st=2024-01-01T00:00:00Z&spr=https&sig=${sig}`;
}

// https://learn.microsoft.com/en-us/azure/storage/common/storage-sas-overview — SAS token: sv=…&se=…&sp=…&sig=<HMAC, base64, percent-encoded>.
export const azureSasToken = {
  id: 'azure-sas-token',
  name: 'Azure shared access signature (SAS) token',
  kind: 'credential',
  keywords: ['sig='],
  docs: 'https://learn.microsoft.com/en-us/azure/storage/common/storage-sas-overview',
  reach: { privilege: 'write', scope: 'the storage resources and permissions the SAS grants, until it expires', lifetime: 'days' },
  window: { before: 2048, after: 512 },
  find: guardedFind((original, out: Match[]) => {
    // A SAS on its own line in a JSON string starts after `\n`, whose letter is a query character.
    const text = lineBreaksUnescaped(original);
    let from = 0;
    let covered = 0;
    for (let pos = text.indexOf('sig=', from); pos !== -1 && out.length < 500; pos = text.indexOf('sig=', from)) {
      from = pos + 4;
      if (pos < covered) continue;
      const sas = sasAt(text, pos);
      if (!sas) continue;
      covered = sas.end;
      out.push({ ruleId: 'azure-sas-token', kind: 'credential', secret: sas.secret, start: sas.start, end: sas.end, context: sas.context });
    }
  }),
  examples: () => {
    const t = sasExample();
    return {
      match: [
        `https://acme${randomBody(LOWER, 6)}.blob.core.windows.net/backups/db.bak?${t}`,
        `<https://acme.blob.core.windows.net/c?${t.replace(/&/g, '&amp;')}|download>`,
        `BlobEndpoint=https://acme.blob.core.windows.net/;SharedAccessSignature=${sasExample()}`,
      ],
      ignore: [
        'https://acme.blob.core.windows.net/c?sv=2022-11-02&sp=r&sig=<signature>',
        'https://acme.blob.core.windows.net/c?sv=2022-11-02&sp=r&sig=REDACTED',
        `https://example.test/?sig=${encodeURIComponent(`${randomBody(BASE64, 43)}=`)}`,
        `https://acme.blob.core.windows.net/c?${t.replace(/sig=.*/, 'sig=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx%3D')}`,
      ],
    };
  },
} satisfies Detector;

// https://learn.microsoft.com/en-us/entra/identity-platform/how-to-add-credentials — client secrets: 3 chars + digit + `Q~` + 31–34.
const CLIENT_SECRET = /(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])/g;

const clientSecretQ = patternRule({
  id: 'azure-ad-client-secret',
  name: 'Entra ID (Azure AD) client secret',
  docs: 'https://learn.microsoft.com/en-us/entra/identity-platform/how-to-add-credentials',
  keywords: ['Q~'],
  reach: { privilege: 'admin', scope: 'an Entra ID application: tokens with its API permissions (often Microsoft Graph)', lifetime: 'months' },
  pattern: CLIENT_SECRET,
  anchor: { literal: 'Q~', before: 4, after: 34 },
  body: (s) => s.slice(0, 4) + s.slice(6),
  minEntropy: 3.5,
  examples: () => {
    const s = `${randomBody(ALNUM, 3)}${randomBody('0123456789', 1)}Q~${randomBody(ALNUM + '_~.-', 34)}`;
    return {
      match: [`AZURE_CLIENT_SECRET=${s}`, `"clientSecret": "${s}"`],
      ignore: ['AZURE_CLIENT_SECRET=<client-secret>', `AZURE_CLIENT_SECRET=abc1Q~${'x'.repeat(34)}`, `${s.slice(0, 12)}...`],
    };
  },
});

// https://learn.microsoft.com/en-us/entra/identity-platform/how-to-add-credentials — older secrets have no marker: named AZURE_CLIENT_SECRET & co.
const NAMED_CLIENT_SECRET = namedValuePattern('azure|aad|entra|arm|msal', 'client[_-]?secret', '[A-Za-z0-9_~.+/=-]{32,44}');

const clientSecretNamed = patternRule({
  id: 'azure-ad-client-secret',
  name: 'Entra ID (Azure AD) client secret',
  docs: 'https://learn.microsoft.com/en-us/entra/identity-platform/how-to-add-credentials',
  keywords: ['azure_client_secret', 'arm_client_secret', 'aad_client_secret'],
  reach: { privilege: 'admin', scope: 'an Entra ID application', lifetime: 'months' },
  pattern: NAMED_CLIENT_SECRET,
  group: 1,
  minEntropy: 3.8,
  examples: () => {
    const s = randomBody(ALNUM + '+/', 40);
    return { match: [`ARM_CLIENT_SECRET=${s}`, `azure_client_secret: "${randomBody(ALNUM, 36)}"`], ignore: ['AZURE_CLIENT_SECRET=${AZURE_CLIENT_SECRET}', `client_secret=${s}`] };
  },
});

export const azureAdClientSecret = combinedRule(
  {
    id: 'azure-ad-client-secret',
    name: 'Entra ID (Azure AD) client secret',
    docs: 'https://learn.microsoft.com/en-us/entra/identity-platform/how-to-add-credentials',
    reach: { privilege: 'admin', scope: 'an Entra ID application: tokens with its API permissions (often Microsoft Graph)', lifetime: 'months' },
  },
  [clientSecretQ, clientSecretNamed],
);

// https://learn.microsoft.com/en-us/azure/devops/organizations/accounts/use-personal-access-tokens-to-authenticate — 84-char PATs: 52 random, `JQQJ` signature, …, `AZDO`, 4.
const DEVOPS_PAT = /(?<![A-Za-z0-9])[A-Za-z0-9]{52}JQQJ[A-Za-z0-9]{20}AZDO[A-Za-z0-9]{4}(?![A-Za-z0-9])/g;

export const azureDevopsPat = patternRule({
  id: 'azure-devops-pat',
  name: 'Azure DevOps personal access token',
  docs: 'https://learn.microsoft.com/en-us/azure/devops/organizations/accounts/use-personal-access-tokens-to-authenticate',
  keywords: ['AZDO'],
  reach: { privilege: 'admin', scope: 'Azure DevOps organisations of the user (repos, pipelines, artifacts) within the PAT’s scopes', lifetime: 'months' },
  pattern: DEVOPS_PAT,
  anchor: { literal: 'AZDO', before: 76, after: 4 },
  body: (s) => s.slice(0, 52),
  examples: () => {
    const p = `${randomBody(ALNUM, 52)}JQQJ99BAACAAAAAAAAAAAAAS` + `AZDO${randomBody(ALNUM, 4)}`;
    return {
      match: [`AZURE_DEVOPS_PAT=${p}`, `git clone https://pat:${p}@dev.azure.com/acme/app/_git/app`],
      ignore: [`AZURE_DEVOPS_PAT=${'x'.repeat(52)}JQQJ99BAACAAAAAAAAAAAAASAZDOabcd`, `${p}Z`, 'AZDO'],
    };
  },
});
