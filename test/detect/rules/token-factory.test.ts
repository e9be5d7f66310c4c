/** The token factory other tests rely on: every planted token is reported by the rule it names. */
import { describe, expect, it } from 'vitest';
import { credentialRules } from '../../../src/detect/rules/index.js';
import * as tf from '../../support/token-factory.js';

const rule = (id: string) => credentialRules.find((r) => r.id === id)!;

describe('token factory', () => {
  it.each(tf.plantable().map((p) => [p.rule, p] as const))('%s: planted text is reported with the declared secret', (_id, p) => {
    const r = rule(p.rule);
    expect(r).toBeDefined();
    const text = `some chat line\n${p.text}\nanother line`;
    expect([...r.find(text)].map((m) => m.secret)).toContain(p.secret);
    expect(r.keywords.some((k) => text.toLowerCase().includes(k.toLowerCase()))).toBe(true);
  });

  it('builds fresh values each call', () => {
    expect(tf.githubPat()).not.toBe(tf.githubPat());
    expect(tf.npmToken()).not.toBe(tf.npmToken());
  });

  it('negative builders are not reported', () => {
    expect([...rule('github-classic-pat').find(tf.githubPatBadChecksum())]).toEqual([]);
    expect(credentialRules.flatMap((r) => [...r.find(`STRIPE_KEY=${tf.stripePublishableKey()}`)])).toEqual([]);
  });

  it.each(['rsa', 'ec', 'pkcs8', 'encrypted-pkcs8', 'openssh', 'pgp', 'putty'] as const)('pemPrivateKey(%s) is reported', (kind) => {
    const pem = tf.pemPrivateKey(kind);
    const hits = credentialRules.flatMap((r) => [...r.find(pem)]);
    expect(hits.map((m) => m.secret)).toContain(pem);
  });

  it('gcpServiceAccountJson, slack session pair, azure SAS and Mongo URL are reported', () => {
    expect([...rule('gcp-service-account-key').find(tf.gcpServiceAccountJson().json)]).toHaveLength(1);
    const { client, cookie } = tf.slackSessionPair();
    expect([...rule('slack-client-token').find(client)]).toHaveLength(1);
    expect([...rule('slack-session-cookie').find(`d=${cookie}`)]).toHaveLength(1);
    const sas = tf.azureSasUrl();
    expect([...rule('azure-sas-token').find(sas.url)].map((m) => m.secret)).toEqual([sas.token]);
    expect([...rule('mongodb-url').find(tf.mongodbUrl())]).toHaveLength(1);
    expect([...rule('slack-user-token').find(tf.slackUserToken())]).toHaveLength(1);
  });
});
