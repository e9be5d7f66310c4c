/**
 * Builds credential-shaped tokens at test time (random bodies, real checksums) so tests can plant
 * leaks without a single live-looking credential being committed. Every builder returns a string
 * the built-in rules report (see `plantable()` for the rule id each one triggers).
 *
 *   const pat = githubPat('ghp');            // checksum-valid classic PAT
 *   const { accessKeyId, secretAccessKey, text } = awsKeyPair();
 *   const pem = pemPrivateKey('rsa');        // a real RSA key from node:crypto
 *
 * JWTs come from `jwt-factory.ts`.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { encodeBech32, toWords } from '../../src/detect/checksum.js';
import {
  ALNUM,
  BASE32,
  BASE64,
  BASE64URL,
  DIGITS,
  HEX,
  LOWER,
  UPPER_ALNUM,
  badChecksumToken,
  base62ChecksumToken,
  privateKeyBlock,
  randomBody,
  type PrivateKeyType,
} from '../../src/detect/rules/gen.js';
import { plausibleAwsSecret } from '../../src/detect/rules/aws.js';

export { randomBody, privateKeyBlock, type PrivateKeyType };

const nonZeroDigits = (n: number): string => `${randomBody('123456789', 1)}${randomBody(DIGITS, n - 1)}`;

/** GitHub token with a valid CRC32 checksum: `ghp_` classic PAT, `gho_` OAuth, `ghu_`, `ghs_`, `ghr_`. */
export function githubPat(kind: 'ghp' | 'gho' | 'ghu' | 'ghs' | 'ghr' = 'ghp'): string {
  return base62ChecksumToken(`${kind}_`);
}

/** Same shape as `githubPat` but the checksum does not verify (must NOT be reported). */
export function githubPatBadChecksum(kind: 'ghp' | 'gho' | 'ghu' | 'ghs' | 'ghr' = 'ghp'): string {
  return badChecksumToken(`${kind}_`);
}

export function githubFineGrainedPat(): string {
  return `github_pat_${randomBody(ALNUM, 22)}_${randomBody(ALNUM, 59)}`;
}

/** npm access token with a valid CRC32 checksum. */
export function npmToken(): string {
  return base62ChecksumToken('npm_');
}

export function slackBotToken(): string {
  return `xoxb-${nonZeroDigits(12)}-${nonZeroDigits(13)}-${randomBody(ALNUM, 24)}`;
}

export function slackUserToken(): string {
  return `xoxp-${nonZeroDigits(12)}-${nonZeroDigits(12)}-${nonZeroDigits(13)}-${randomBody(HEX, 32)}`;
}

export function slackWebhookUrl(): string {
  return `https://hooks.slack.com/services/T${randomBody(UPPER_ALNUM, 10)}/B${randomBody(UPPER_ALNUM, 10)}/${randomBody(ALNUM, 24)}`;
}

/** A Slack browser session: `xoxc-` client token and its `xoxd-` cookie (URL-encoded, as browsers send it). */
export function slackSessionPair(): { client: string; cookie: string } {
  return {
    client: `xoxc-${nonZeroDigits(12)}-${nonZeroDigits(12)}-${nonZeroDigits(13)}-${randomBody(HEX, 64)}`,
    cookie: `xoxd-${encodeURIComponent(Buffer.from(randomBody(ALNUM, 90)).toString('base64'))}`,
  };
}

/**
 * An AWS key pair and a credentials-file snippet holding it. The rule `aws-access-key` reports the
 * secret access key (its fingerprint is `fingerprint(secretAccessKey)`).
 */
export function awsKeyPair(kind: 'AKIA' | 'ASIA' = 'AKIA'): { accessKeyId: string; secretAccessKey: string; text: string } {
  const accessKeyId = `${kind}${randomBody(BASE32, 16)}`;
  let secretAccessKey = randomBody(BASE64, 40);
  while (!plausibleAwsSecret(secretAccessKey)) secretAccessKey = randomBody(BASE64, 40);
  return { accessKeyId, secretAccessKey, text: `[default]\naws_access_key_id = ${accessKeyId}\naws_secret_access_key = ${secretAccessKey}\n` };
}

export function stripeSecretKey(mode: 'live' | 'test' = 'live', kind: 'sk' | 'rk' = 'sk'): string {
  return `${kind}_${mode}_${randomBody(ALNUM, 99)}`;
}

/** Publishable key: public by design, must NOT be reported. */
export function stripePublishableKey(mode: 'live' | 'test' = 'live'): string {
  return `pk_${mode}_${randomBody(ALNUM, 99)}`;
}

export function gitlabPat(): string {
  return `glpat-${randomBody(ALNUM, 20)}`;
}

export function googleApiKey(): string {
  return `AIza${randomBody(BASE64URL, 35)}`;
}

export function openaiApiKey(): string {
  return `sk-proj-${randomBody(BASE64URL, 74)}T3BlbkFJ${randomBody(BASE64URL, 74)}`;
}

export function anthropicApiKey(): string {
  return `sk-ant-api03-${randomBody(BASE64URL, 93)}AA`;
}

export function sendgridApiKey(): string {
  return `SG.${randomBody(BASE64URL, 22)}.${randomBody(BASE64URL, 43)}`;
}

export function huggingfaceToken(): string {
  return `hf_${randomBody(LOWER + LOWER.toUpperCase(), 34)}`;
}

export function ageSecretKey(): string {
  return encodeBech32('AGE-SECRET-KEY-', toWords(randomBytes(32))).toUpperCase();
}

/**
 * A private key block. PEM kinds are real keys generated with node:crypto; `openssh`, `pgp` and
 * `putty` are structurally faithful containers (see `privateKeyBlock`).
 */
export function pemPrivateKey(kind: PrivateKeyType = 'rsa'): string {
  return privateKeyBlock(kind);
}

/** A Google Cloud service-account JSON key file (pretty-printed, `private_key` with `\n` escapes). */
export function gcpServiceAccountJson(project = `acme-${randomBody(LOWER, 6)}`): { json: string; privateKey: string } {
  const privateKey = privateKeyBlock('pkcs8');
  const json = JSON.stringify(
    {
      type: 'service_account',
      project_id: project,
      private_key_id: randomBody(HEX, 40),
      private_key: `${privateKey}\n`,
      client_email: `deployer@${project}.iam.gserviceaccount.com`,
      client_id: nonZeroDigits(21),
    },
    null,
    2,
  );
  return { json, privateKey };
}

export function postgresUrl(host = `db-${randomBody(LOWER, 5)}.prod.acme.internal`): string {
  return `postgres://app_${randomBody(LOWER, 4)}:${randomBody(ALNUM, 20)}@${host}:5432/orders`;
}

export function mongodbUrl(): string {
  return `mongodb+srv://svc:${randomBody(ALNUM, 18)}@cluster0.${randomBody(LOWER, 5)}.mongodb.net/app`;
}

export function azureSasUrl(): { url: string; token: string } {
  const token = `sv=2022-11-02&ss=b&srt=sco&sp=rwdlac&se=2031-01-01T00:00:00Z&spr=https&sig=${encodeURIComponent(`${randomBody(BASE64, 43)}=`)}`;
  return { url: `https://acme${randomBody(LOWER, 6)}.blob.core.windows.net/backups/db.bak?${token}`, token };
}

/** A random 8–16 character run of letters, for building surrounding text. */
export function word(): string {
  return randomBody(LOWER, 8 + randomInt(9));
}

/**
 * One token of each common family, for end-to-end tests that plant many kinds (and then check that
 * none appears raw in any output): `text` is what to plant, `secret` the string the rule reports
 * (its fingerprint is `fingerprint(secret)`), `rule` the rule id.
 */
export function plantable(): Array<{ rule: string; secret: string; text: string }> {
  const aws = awsKeyPair();
  const one = (rule: string, secret: string) => ({ rule, secret, text: secret });
  return [
    one('github-classic-pat', githubPat('ghp')),
    one('github-fine-grained-pat', githubFineGrainedPat()),
    one('npm-access-token', npmToken()),
    one('slack-bot-token', slackBotToken()),
    one('slack-webhook-url', slackWebhookUrl()),
    { rule: 'aws-access-key', secret: aws.secretAccessKey, text: aws.text },
    one('stripe-secret-key', stripeSecretKey()),
    one('gitlab-pat', gitlabPat()),
    one('google-api-key', googleApiKey()),
    one('openai-api-key', openaiApiKey()),
    one('anthropic-api-key', anthropicApiKey()),
    one('sendgrid-api-key', sendgridApiKey()),
    one('age-secret-key', ageSecretKey()),
    one('postgres-url', postgresUrl()),
  ];
}
