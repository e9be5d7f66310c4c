/** Family-specific behaviour beyond each rule's own examples: pairing, context, normalisation. */
import { describe, expect, it } from 'vitest';
import { fingerprint, redact } from '../../../src/core/secrets.js';
import { awsAccessKey, awsAccessKeyId, awsSecretAccessKey, awsSessionToken } from '../../../src/detect/rules/aws.js';
import { azureSasToken } from '../../../src/detect/rules/azure.js';
import { adoConnectionString, jdbcConnectionString, mongodbUrl as mongoRule, postgresUrl as pgRule, redisUrl } from '../../../src/detect/rules/database-urls.js';
import { BASE64, randomBody } from '../../../src/detect/rules/gen.js';
import { githubClassicPat } from '../../../src/detect/rules/github.js';
import { googleApiKey as googleRule } from '../../../src/detect/rules/google.js';
import { slackClientToken, slackSessionCookie, slackWebhookUrl as slackWebhookRule } from '../../../src/detect/rules/slack.js';
import { stripeSecretKey as stripeRule, stripeTestKey } from '../../../src/detect/rules/stripe.js';
import type { Detector, Match } from '../../../src/detect/types.js';
import { awsKeyPair, azureSasUrl, githubPat, githubPatBadChecksum, googleApiKey, postgresUrl, slackSessionPair, slackWebhookUrl, stripePublishableKey, stripeSecretKey } from '../../support/token-factory.js';

const find = (d: Detector, text: string): Match[] => [...d.find(text)];

describe('AWS: key pairs', () => {
  it('reports the secret access key with the key id as redacted context', () => {
    const { accessKeyId, secretAccessKey, text } = awsKeyPair();
    const [m, ...rest] = find(awsAccessKey, text);
    expect(rest).toEqual([]);
    expect(m!.secret).toBe(secretAccessKey);
    expect(text.slice(m!.start, m!.end)).toBe(secretAccessKey);
    expect(m!.context).toEqual({ keyId: redact(accessKeyId), keyIdFingerprint: fingerprint(accessKeyId), keyType: 'long-term' });
    expect(JSON.stringify(m!.context)).not.toContain(accessKeyId);
    // a lone-id finding is not made when the pair is reported, nor a named-secret one
    expect(find(awsAccessKeyId, text)).toEqual([]);
    expect(find(awsSecretAccessKey, text)).toEqual([]);
  });

  it('pairs each id with its own secret in a file holding several profiles', () => {
    const a = awsKeyPair();
    const b = awsKeyPair('ASIA');
    const text = `[dev]\n${a.text.split('\n').slice(1).join('\n')}\n[ci]\n${b.text.split('\n').slice(1).join('\n')}`;
    const found = find(awsAccessKey, text);
    expect(found.map((m) => m.secret)).toEqual([a.secretAccessKey, b.secretAccessKey]);
    expect(found.map((m) => m.context!.keyType)).toEqual(['long-term', 'temporary']);
  });

  it('a lone key id is a low-reach finding of its own; a named secret without an id is too', () => {
    const { accessKeyId, secretAccessKey } = awsKeyPair();
    expect(find(awsAccessKeyId, `id: ${accessKeyId}`)[0]!.secret).toBe(accessKeyId);
    expect(awsAccessKeyId.reach.privilege).toBe('read');
    expect(find(awsSecretAccessKey, `AWS_SECRET_ACCESS_KEY=${secretAccessKey}`)[0]!.secret).toBe(secretAccessKey);
    // a 40-char value far from the id and not named `secret` is not assumed to be its secret
    expect(find(awsAccessKey, `${accessKeyId}\n${'lorem ipsum '.repeat(20)}\nsha: ${randomBody(BASE64, 40)}`)).toEqual([]);
  });

  it('the documentation keys are never findings', () => {
    const text = `aws_access_key_id = ${['AKIAIOSFODNN7', 'EXAMPLE'].join('')}\naws_secret_access_key = ${['wJalrXUtnFEMI/K7MDENG/bPxRfiCY', 'EXAMPLEKEY'].join('')}`;
    for (const d of [awsAccessKey, awsAccessKeyId, awsSecretAccessKey]) expect(find(d, text)).toEqual([]);
  });

  it('a session token next to an ASIA key is marked as part of the temporary credentials', () => {
    const b = awsKeyPair('ASIA');
    const token = `IQoJb3JpZ2luX2Vj${randomBody(BASE64, 400)}`;
    expect(find(awsSessionToken, `${b.text}aws_session_token = ${token}\n`)[0]).toMatchObject({ secret: token, context: { pair: 'aws-temporary-key' } });
  });
});

describe('GitHub: checksums decide', () => {
  it('a token with a valid CRC32 is a finding, the same shape with a wrong one is not', () => {
    const good = githubPat('ghp');
    expect(find(githubClassicPat, `token ${good}`)[0]!.secret).toBe(good);
    expect(find(githubClassicPat, `token ${githubPatBadChecksum('ghp')}`)).toEqual([]);
  });
});

describe('Slack: session pairs and webhooks', () => {
  it('xoxc and xoxd are each a finding; together they are marked as a pair', () => {
    const { client, cookie } = slackSessionPair();
    expect(find(slackClientToken, `token=${client}`)[0]!.context).toBeUndefined();
    expect(find(slackClientToken, `token=${client}\nCookie: d=${cookie};`)[0]!.context).toEqual({ pair: 'slack-session-cookie' });
    expect(find(slackSessionCookie, `token=${client}\nCookie: d=${cookie};`)[0]).toMatchObject({ secret: cookie, context: { pair: 'slack-client-token' } });
  });

  it('a webhook URL with JSON-escaped slashes has the same secret as the plain URL', () => {
    const url = slackWebhookUrl();
    const escaped = find(slackWebhookRule, JSON.stringify({ text: url }).replace(/\//g, '\\/'));
    expect(escaped[0]!.secret).toBe(url);
    expect(find(slackWebhookRule, `<${url}|hook>`)[0]!.secret).toBe(url);
    expect(escaped[0]!.context).toEqual({ kind: 'incoming' });
  });
});

describe('Stripe and Google: public-by-design keys', () => {
  it('publishable keys are never findings; test keys are their own low-reach rule', () => {
    expect(find(stripeRule, `pk=${stripePublishableKey('live')}`)).toEqual([]);
    expect(find(stripeTestKey, `k=${stripePublishableKey('test')}`)).toEqual([]);
    expect(find(stripeTestKey, `k=${stripeSecretKey('test')}`)).toHaveLength(1);
    expect(stripeTestKey.reach?.testMode).toBe(true);
  });

  it('a Google API key inside a Firebase web config is flagged public by design', () => {
    const key = googleApiKey();
    const cfg = `const firebaseConfig = { apiKey: "${key}", authDomain: "acme.firebaseapp.com" };`;
    expect(find(googleRule, cfg)[0]!.context).toEqual({ publicByDesign: 'Firebase web API key' });
    expect(find(googleRule, `GOOGLE_MAPS_KEY=${key}`)[0]!.context).toBeUndefined();
  });
});

describe('Azure SAS tokens', () => {
  it('the secret is the SAS query string, the same for every blob path it is used with', () => {
    const { url, token } = azureSasUrl();
    const other = url.replace('/backups/db.bak?', '/exports/2024/report.csv?');
    const a = find(azureSasToken, `download: ${url}`)[0]!;
    const b = find(azureSasToken, `or ${other} (expires 2031)`)[0]!;
    expect(a.secret).toBe(token);
    expect(b.secret).toBe(token);
    expect(a.context).toMatchObject({ expiry: '2031-01-01T00:00:00Z', permissions: 'rwdlac' });
    expect(a.context!.host).toMatch(/^acme[a-z]{6}\.blob\.core\.windows\.net$/);
  });

  it('Slack-escaped ampersands normalise to the same token', () => {
    const { url, token } = azureSasUrl();
    expect(find(azureSasToken, `<${url.replace(/&/g, '&amp;')}|file>`)[0]!.secret).toBe(token);
  });
});

describe('Database URLs', () => {
  it('report the URL up to the database with host context, not query parameters', () => {
    const url = postgresUrl('db.prod.acme.internal');
    const [m] = find(pgRule, `DATABASE_URL=${url}?sslmode=require&application_name=api`);
    expect(m!.secret).toBe(url);
    expect(m!.context).toEqual({ scheme: 'postgres', host: 'db.prod.acme.internal', port: '5432', database: 'orders' });
    expect(redact(m!.secret)).not.toContain(url.split(':')[2]!.split('@')[0]!);
  });

  it('a strong password on localhost is reported as local; a weak one is not reported', () => {
    expect(find(pgRule, `postgres://app:${randomBody(BASE64.replace(/[+/]/g, ''), 24)}@localhost:5432/app`)[0]!.context).toMatchObject({ local: 'true' });
    expect(find(pgRule, 'postgres://app:devpass1@localhost:5432/app')).toEqual([]);
    expect(find(redisUrl, 'redis://:foobared@127.0.0.1:6379/0')).toEqual([]);
  });

  it('multi-host MongoDB, Redis without a user, JDBC and ADO.NET forms', () => {
    const pw = randomBody('abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789', 18);
    expect(find(mongoRule, `mongodb://svc:${pw}@mongo-1.acme.corp:27017,mongo-2.acme.corp:27017/app?replicaSet=rs0`)[0]!.context).toMatchObject({ host: 'mongo-1.acme.corp', database: 'app' });
    expect(find(redisUrl, `REDIS_URL=rediss://:${pw}@cache.acme.corp:6380`)[0]!.secret).toBe(`rediss://:${pw}@cache.acme.corp:6380`);
    expect(find(jdbcConnectionString, `jdbc:mysql://mysql.acme.corp:3306/shop?user=shop&password=${pw}`)[0]!.context).toMatchObject({ scheme: 'jdbc:mysql', host: 'mysql.acme.corp' });
    const ado = `Server=sql.acme.corp;Database=erp;User Id=etl;Password=${pw};`;
    expect(find(adoConnectionString, `"cs": "${ado}"`)[0]).toMatchObject({ secret: ado.replace(/;$/, ''), context: { scheme: 'ado', host: 'sql.acme.corp', database: 'erp' } });
  });
});
