/**
 * `tokenradius keys`: API keys for the review API and console.
 *
 * - `keys create --role viewer|responder|admin [--label text]`: prints the new key ALONE on stdout
 *   (one line, nothing else: `KEY=$(tokenradius keys create --role viewer)`), once — only its
 *   SHA-256 is stored. A short confirmation goes to stderr.
 * - `keys list [--json]`: id, role, label, created, last used, revoked (never the keys).
 * - `keys revoke <id>`: revokes it (idempotent); its console sessions end at once.
 *
 * They open the store the service uses (`DATABASE_URL`, else the embedded store in `--data-dir`).
 * An embedded data directory can be open in one process only: while `serve` runs on it, create keys
 * in the console (API keys page) or with `POST /api/v1/keys`.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadConfig } from '../../config/load.js';
import { openStoreFromConfig } from '../../store/open.js';
import { ApiKeyRoleSchema, type ApiKeyInfo, type FindingStore } from '../../store/types.js';
import { processIo, writeAll, type CliIo } from '../io.js';
import { EXIT, usageError } from '../errors.js';

interface StoreOptions {
  dataDir?: string;
  config?: string;
}

async function withStore<T>(o: StoreOptions, io: CliIo, fn: (store: FindingStore) => Promise<T>): Promise<T> {
  const loaded = loadConfig({ ...(o.config ? { file: o.config } : {}), env: io.env });
  const store = await openStoreFromConfig(loaded, o.dataDir ? { dataDir: o.dataDir } : {});
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function parseLabel(v: string): string {
  const t = v.trim();
  if (t.length === 0 || t.length > 200) throw new InvalidArgumentError('a label of 1-200 characters');
  return t;
}

function table(keys: readonly ApiKeyInfo[]): string {
  const rows = [['ID', 'ROLE', 'LABEL', 'CREATED', 'LAST USED', 'REVOKED'], ...keys.map((k) => [k.id, k.role, k.label, k.createdAt.slice(0, 19), k.lastUsedAt?.slice(0, 19) ?? '-', k.revokedAt?.slice(0, 19) ?? '-'])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

const storeOptions = (cmd: Command): Command =>
  cmd
    .option('-d, --data-dir <dir>', 'embedded data directory (when DATABASE_URL is not set)')
    .option('-c, --config <file>', 'configuration file (default: TOKENRADIUS_CONFIG or embedded defaults)');

export function keysCommand(io: CliIo = processIo()): Command {
  const output = { writeOut: (t: string) => void io.stdout.write(t), writeErr: (t: string) => void io.stderr.write(t) };
  const keys = new Command('keys').description('create, list and revoke API keys for the review API and console').configureOutput(output);

  keys.addCommand(
    storeOptions(
      new Command('create')
        .description('create a key and print it alone on stdout (shown once; only its hash is stored)')
        .addOption(new Option('-r, --role <role>', 'viewer (read), responder (act on findings), admin (also manage keys)').choices(ApiKeyRoleSchema.options).makeOptionMandatory())
        .option('-l, --label <text>', 'who or what uses the key', parseLabel)
        .configureOutput(output),
    ).action(async (o: StoreOptions & { role: string; label?: string }) => {
      const role = ApiKeyRoleSchema.parse(o.role);
      const created = await withStore(o, io, (store) => store.createApiKey({ role, label: o.label ?? `cli ${role} key`, actor: 'cli' }));
      await writeAll(io.stdout, `${created.key}\n`);
      await writeAll(io.stderr, `created ${created.role} key ${created.id} (${created.label}); it is shown only this once\n`);
      process.exitCode = EXIT.CLEAN;
    }),
  );

  keys.addCommand(
    storeOptions(new Command('list').description('list keys (never the keys themselves)').option('--json', 'JSON output').configureOutput(output)).action(async (o: StoreOptions & { json?: boolean }) => {
      const list = await withStore(o, io, (store) => store.listApiKeys());
      await writeAll(io.stdout, o.json ? JSON.stringify(list, null, 2) + '\n' : list.length === 0 ? 'no API keys\n' : table(list));
      process.exitCode = EXIT.CLEAN;
    }),
  );

  keys.addCommand(
    storeOptions(new Command('revoke').description('revoke a key by id (idempotent)').argument('<id>', 'the key id (keys list)').configureOutput(output)).action(async (id: string, o: StoreOptions) => {
      if (!/^[a-z2-7]{12}$/.test(id)) throw usageError('a key id is 12 characters a-z and 2-7 (see `tokenradius keys list`)');
      const k = await withStore(o, io, (store) => store.revokeApiKey(id, 'cli'));
      await writeAll(io.stdout, `revoked ${k.role} key ${k.id} (${k.label})\n`);
      process.exitCode = EXIT.CLEAN;
    }),
  );
  return keys;
}
