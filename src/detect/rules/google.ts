/**
 * Google / Google Cloud credentials: API keys, OAuth client secrets, OAuth access and refresh
 * tokens, and service-account JSON keys.
 *
 * Service-account keys: the `secret` is the normalised PEM block of `private_key` (unescaped from
 * JSON — see private-keys.ts), the same string the `private-key` rule produces for that block, with
 * the same span; this rule has a higher `priority`, so the engine keeps the service-account
 * finding, and the fingerprint is the same whether the key leaks inside the JSON file or as a bare
 * PEM. Context carries the non-secret identifiers a responder needs to disable the key:
 * `privateKeyId`, `clientEmail`, `projectId`.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Detector, Match } from '../types.js';
import { ALNUM, BASE64URL, DIGITS, LOWER, placements, privateKeyBlock, randomBody, redactedForms } from './gen.js';
import { around, guardedFind, patternRule } from './kit.js';
import { findPemBlocks } from './private-keys.js';

// https://cloud.google.com/docs/authentication/api-keys — `AIza` + 35 base64url characters.
const API_KEY = /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])/g;

export const googleApiKey = patternRule({
  id: 'google-api-key',
  name: 'Google API key',
  docs: 'https://cloud.google.com/docs/authentication/api-keys',
  keywords: ['AIza'],
  reach: { privilege: 'read', scope: 'the Google APIs enabled for the key’s project, billed to it (unless restricted)', lifetime: 'unbounded' },
  pattern: API_KEY,
  // Firebase web config keys are shipped to every browser by design (access is governed by rules).
  verify: (_s, text, start, end) => (/authDomain|firebaseapp\.com|firebaseConfig/i.test(around(text, start, end, 300, 300)) ? { publicByDesign: 'Firebase web API key' } : true),
  examples: () => {
    const k = `AIza${randomBody(BASE64URL, 35)}`;
    return {
      match: [...placements(k, 'GOOGLE_API_KEY'), `https://maps.googleapis.com/maps/api/geocode/json?key=${k}&address=x`],
      ignore: ['GOOGLE_API_KEY=AIzaXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX', `${k}extra`, ...redactedForms(k, 4)],
    };
  },
});

// https://developers.google.com/identity/protocols/oauth2 — client secrets issued since 2021 start `GOCSPX-`.
const CLIENT_SECRET = /(?<![A-Za-z0-9_-])GOCSPX-[A-Za-z0-9_-]{28}(?![A-Za-z0-9_-])/g;

export const googleOauthClientSecret = patternRule({
  id: 'google-oauth-client-secret',
  name: 'Google OAuth client secret',
  docs: 'https://developers.google.com/identity/protocols/oauth2',
  keywords: ['GOCSPX-'],
  reach: { privilege: 'write', scope: 'impersonates an OAuth client (phishing-grade consent screens, code exchange)', lifetime: 'unbounded' },
  pattern: CLIENT_SECRET,
  examples: () => {
    const s = `GOCSPX-${randomBody(BASE64URL, 28)}`;
    return { match: placements(s, 'GOOGLE_CLIENT_SECRET'), ignore: ['GOCSPX-your-client-secret', ...redactedForms(s, 7)] };
  },
});

// https://developers.google.com/identity/protocols/oauth2 — opaque access tokens start `ya29.` (segments may be dot-separated).
const ACCESS_TOKEN = /(?<![A-Za-z0-9_.-])ya29\.(?:[A-Za-z0-9_-]{1,2048}\.){0,4}[A-Za-z0-9_-]{30,2048}(?![A-Za-z0-9_-])/g;

export const googleOauthAccessToken = patternRule({
  id: 'google-oauth-access-token',
  name: 'Google OAuth access token',
  docs: 'https://developers.google.com/identity/protocols/oauth2',
  keywords: ['ya29.'],
  reach: { privilege: 'write', scope: 'the Google APIs and scopes the user or service account granted', lifetime: 'hours' },
  pattern: ACCESS_TOKEN,
  body: (s) => s.slice(5).replace(/\./g, ''),
  examples: () => {
    const t = `ya29.a0${randomBody(BASE64URL, 160)}`;
    return { match: [...placements(t, 'ACCESS_TOKEN'), `token: ya29.c.${randomBody(BASE64URL, 200)}`], ignore: ['Bearer ya29.your-access-token', ...redactedForms(t, 5)] };
  },
});

// https://developers.google.com/identity/protocols/oauth2 — refresh tokens observed as `1//0` + base64url.
const REFRESH_TOKEN = /(?<![A-Za-z0-9_/-])1\/\/0[A-Za-z0-9_-]{40,512}(?![A-Za-z0-9_-])/g;

export const googleOauthRefreshToken = patternRule({
  id: 'google-oauth-refresh-token',
  name: 'Google OAuth refresh token',
  docs: 'https://developers.google.com/identity/protocols/oauth2#offline',
  keywords: ['1//0'],
  reach: { privilege: 'write', scope: 'mints access tokens for the scopes a user granted', lifetime: 'unbounded' },
  pattern: REFRESH_TOKEN,
  examples: () => {
    const t = `1//0${randomBody(ALNUM, 1)}${randomBody(BASE64URL, 100)}`;
    return { match: placements(t, 'GOOGLE_REFRESH_TOKEN'), ignore: ['refresh_token: 1//0your-refresh-token', `x = 1//0${'x'.repeat(50)}`, ...redactedForms(t, 4)] };
  },
});

const SA_REACH = 16_384;

function jsonField(text: string, name: string, value: RegExp): string | undefined {
  const re = new RegExp(`\\\\{0,3}"${name}\\\\{0,3}"\\s{0,8}:\\s{0,8}\\\\{0,3}"(${value.source})\\\\{0,3}"`);
  return re.exec(text)?.[1];
}

// https://cloud.google.com/iam/docs/keys-create-delete — JSON key file: "type": "service_account", "private_key": PEM with \n escapes.
export const gcpServiceAccountKey = {
  id: 'gcp-service-account-key',
  name: 'Google Cloud service account key (JSON)',
  kind: 'credential',
  keywords: ['service_account'],
  docs: 'https://cloud.google.com/iam/docs/keys-create-delete',
  reach: { privilege: 'admin', scope: 'a Google Cloud project as the service account (its IAM roles)', lifetime: 'unbounded' },
  window: { before: SA_REACH, after: SA_REACH },
  priority: 5,
  find: guardedFind((text, out: Match[]) => {
    for (const b of findPemBlocks(text, (l) => l === 'PRIVATE KEY' || l === 'RSA PRIVATE KEY')) {
      // The block must be the value of a `private_key` field of a service-account document.
      if (!/private_key\\{0,3}"\s{0,8}:\s{0,8}\\{0,3}"$/.test(text.slice(Math.max(0, b.start - 48), b.start))) continue;
      const doc = around(text, b.start, b.end, SA_REACH, SA_REACH);
      if (!/\\{0,3}"type\\{0,3}"\s{0,8}:\s{0,8}\\{0,3}"service_account/.test(doc)) continue;
      const context: Record<string, string> = { keyType: b.keyType, encrypted: 'false' };
      const keyId = jsonField(doc, 'private_key_id', /[0-9a-f]{40}/);
      const email = jsonField(doc, 'client_email', /[A-Za-z0-9._%+-]{1,100}@[A-Za-z0-9.-]{1,200}/);
      const project = jsonField(doc, 'project_id', /[a-z][a-z0-9-]{4,61}[a-z0-9]/);
      if (keyId) context.privateKeyId = keyId;
      if (email) context.clientEmail = email;
      if (project) context.projectId = project;
      out.push({ ruleId: 'gcp-service-account-key', kind: 'credential', secret: b.secret, start: b.start, end: b.end, context });
    }
  }),
  examples: () => {
    const project = `acme-${randomBody(LOWER, 6)}`;
    const doc = (privateKey: string) =>
      JSON.stringify(
        {
          type: 'service_account',
          project_id: project,
          private_key_id: createHash('sha1').update(randomBytes(16)).digest('hex'),
          private_key: privateKey,
          client_email: `deployer@${project}.iam.gserviceaccount.com`,
          client_id: randomBody(DIGITS, 21),
          auth_uri: 'https://accounts.google.com/o/oauth2/auth',
          token_uri: 'https://oauth2.googleapis.com/token',
        },
        null,
        2,
      );
    const key = `${privateKeyBlock('pkcs8')}\n`;
    return {
      match: [doc(key), JSON.stringify({ message: `here is the key: ${JSON.stringify(JSON.parse(doc(key)))}` })],
      ignore: [
        doc('-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n'),
        doc('-----BEGIN PRIVATE KEY-----\n<your key>\n-----END PRIVATE KEY-----\n'),
        JSON.stringify({ type: 'authorized_user', private_key: key }),
      ],
    };
  },
} satisfies Detector;
