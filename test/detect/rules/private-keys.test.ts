import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../../src/core/secrets.js';
import { gcpServiceAccountKey } from '../../../src/detect/rules/google.js';
import { pgpPrivateKey, privateKey, puttyPrivateKey } from '../../../src/detect/rules/private-keys.js';
import type { Detector, Match } from '../../../src/detect/types.js';
import { gcpServiceAccountJson, pemPrivateKey } from '../../support/token-factory.js';

const find = (d: Detector, text: string): Match[] => [...d.find(text)];

describe('private-key: one key, one fingerprint, however it was pasted', () => {
  const pem = pemPrivateKey('rsa');
  const lines = pem.split('\n');
  const forms: Record<string, string> = {
    'a .pem file': `${pem}\n`,
    'CRLF line endings': `${lines.join('\r\n')}\r\n`,
    'a unified diff': `diff --git a/k b/k\n+++ b/id_rsa\n@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join('\n')}\n`,
    'a mail/Slack quote': lines.map((l) => `> ${l}`).join('\n'),
    'a YAML block scalar': `tls:\n  key: |\n${lines.map((l) => `    ${l}`).join('\n')}\n`,
    'a JSON string with \\n escapes': JSON.stringify({ key: `${pem}\n` }),
    'a JSON string inside a JSON string': JSON.stringify({ text: JSON.stringify({ key: pem }) }),
    'one line (newlines collapsed to spaces)': `key: ${lines.join(' ')} (do not share)`,
    'trailing spaces and a code fence': `\`\`\`\n${lines.map((l) => `${l}  `).join('\n')}\n\`\`\``,
  };

  it.each(Object.entries(forms))('%s', (_name, text) => {
    const found = find(privateKey, text);
    expect(found).toHaveLength(1);
    expect(found[0]!.secret).toBe(pem);
    expect(fingerprint(found[0]!.secret)).toBe(fingerprint(pem));
    expect(found[0]!.context).toEqual({ keyType: 'rsa', encrypted: 'false' });
    // the span covers the block as written
    expect(text.slice(found[0]!.start, found[0]!.start + 10)).toBe('-----BEGIN');
    expect(text.slice(found[0]!.start, found[0]!.end).endsWith('-----END RSA PRIVATE KEY-----')).toBe(true);
  });

  it('two keys in one text are two findings', () => {
    const other = pemPrivateKey('ec');
    const found = find(privateKey, `${pem}\n\nand\n\n${other}\n`);
    expect(found.map((m) => m.secret)).toEqual([pem, other]);
    expect(found[1]!.context).toEqual({ keyType: 'ec', encrypted: 'false' });
  });
});

describe('private-key: types and encryption', () => {
  it.each([
    ['pkcs8', { keyType: 'pkcs8', encrypted: 'false' }],
    ['encrypted-pkcs8', { keyType: 'pkcs8', encrypted: 'true' }],
    ['encrypted-rsa', { keyType: 'rsa', encrypted: 'true' }],
    ['dsa', { keyType: 'dsa', encrypted: 'false' }],
    ['openssh', { keyType: 'openssh', encrypted: 'false' }],
    ['encrypted-openssh', { keyType: 'openssh', encrypted: 'true' }],
  ] as const)('%s', (kind, context) => {
    const block = pemPrivateKey(kind);
    const found = find(privateKey, block);
    expect(found).toHaveLength(1);
    expect(found[0]!.secret).toBe(block);
    expect(found[0]!.context).toEqual(context);
  });

  it('legacy encrypted PEM keeps its Proc-Type/DEK-Info headers and the blank line in the normalised block', () => {
    const block = pemPrivateKey('encrypted-rsa');
    expect(block).toMatch(/Proc-Type: 4,ENCRYPTED\nDEK-Info: [^\n]+\n\n/);
    expect(find(privateKey, JSON.stringify({ k: block }))[0]!.secret).toBe(block);
  });

  it('PGP and PuTTY keys are their own rules', () => {
    const pgp = pemPrivateKey('pgp');
    expect(find(privateKey, pgp)).toEqual([]);
    expect(find(pgpPrivateKey, `> ${pgp.split('\n').join('\n> ')}`)[0]!.secret).toBe(pgp);
    const ppk = pemPrivateKey('putty');
    expect(find(puttyPrivateKey, ppk)[0]).toMatchObject({ secret: ppk, context: { keyType: 'putty', encrypted: 'false' } });
    expect(find(puttyPrivateKey, pemPrivateKey('encrypted-putty'))[0]!.context).toEqual({ keyType: 'putty', encrypted: 'true' });
  });

  it('headers, fragments and placeholders are not findings', () => {
    const lines = pemPrivateKey('rsa').split('\n');
    for (const text of [
      '-----BEGIN RSA PRIVATE KEY-----',
      `${lines.slice(0, 6).join('\n')}\n... (truncated)`,
      `${lines[0]}\n<paste your key here>\n${lines.at(-1)}`,
      `${lines[0]}\n${'MIIEpAIBAAKCAQEA'}\n${lines.at(-1)}`,
      `${lines[0]}\n${lines.slice(1, -1).map((l) => l.replace(/[A-Za-z0-9]/g, 'x')).join('\n')}\n${lines.at(-1)}`,
      // a real header with the rest of the body x'd out
      `${lines.slice(0, 3).join('\n')}\n${lines.slice(3, -1).map((l) => l.replace(/[A-Za-z0-9]/g, 'X')).join('\n')}\n${lines.at(-1)}`,
      // body lines that are not base64 (prose quoting the markers)
      `${lines[0]}\nand then the key follows here in the file\n${lines.at(-1)}`,
    ]) {
      expect(find(privateKey, text)).toEqual([]);
    }
  });

  it('a real key whose base64 happens to hold XXXX or xxxx is still found', () => {
    // Random key material contains a run of four equal letters now and then; only a filler run is a placeholder.
    for (const run of ['XXXX', 'xxxx', 'XXXXXXX']) {
      const lines = pemPrivateKey('rsa').split('\n');
      const i = Math.floor(lines.length / 2);
      // Fenced by A's so the random neighbours cannot lengthen the run.
      lines[i] = `A${run}A${lines[i]!.slice(run.length + 2)}`;
      const pem = lines.join('\n');
      expect(find(privateKey, `${pem}\n`).map((m) => m.secret)).toEqual([pem]);
    }
  });

  it('a key whose diff lines mix in a different prefix is not stitched together', () => {
    const lines = pemPrivateKey('rsa').split('\n');
    const text = lines.map((l, i) => (i === 3 ? `-${l}` : `+${l}`)).join('\n');
    expect(find(privateKey, text)).toEqual([]);
  });
});

describe('gcp-service-account-key', () => {
  it('reports the private key of a service-account JSON with the same secret and span as private-key, and wins on priority', () => {
    const { json, privateKey: pem } = gcpServiceAccountJson('acme-prod');
    const sa = find(gcpServiceAccountKey, json);
    const generic = find(privateKey, json);
    expect(sa).toHaveLength(1);
    expect(sa[0]!.secret).toBe(pem);
    expect(generic[0]!.secret).toBe(pem);
    expect([sa[0]!.start, sa[0]!.end]).toEqual([generic[0]!.start, generic[0]!.end]);
    expect(gcpServiceAccountKey.priority).toBeGreaterThan((privateKey as Detector).priority ?? 0);
    expect(sa[0]!.context).toMatchObject({ projectId: 'acme-prod', clientEmail: 'deployer@acme-prod.iam.gserviceaccount.com', keyType: 'pkcs8' });
    expect(sa[0]!.context!.privateKeyId).toMatch(/^[0-9a-f]{40}$/);
    // The same key pasted as a bare PEM has the same fingerprint.
    expect(fingerprint(find(privateKey, pem)[0]!.secret)).toBe(fingerprint(sa[0]!.secret));
  });

  it('a private_key that is not in a service-account document is left to private-key', () => {
    const pem = pemPrivateKey('pkcs8');
    expect(find(gcpServiceAccountKey, JSON.stringify({ type: 'authorized_user', private_key: pem, note: 'service_account elsewhere?' }))).toEqual([]);
  });
});
