/**
 * Database and message-broker connection strings that carry a password: URLs
 * (`postgres://user:password@host/db`, MySQL, MongoDB incl. `+srv`, Redis, AMQP), JDBC URLs with
 * `password=` (or Oracle's `user/password@`), and ADO.NET/ODBC strings with `Password=`.
 *
 * The `secret` is the connection string up to the host/port/database (URLs; query parameters are
 * not part of it) or the whole JDBC URL / ADO string: that is what lets someone connect, and its
 * redacted form keeps scheme, user and host. Context: `scheme`, `host` (first host), `port`,
 * `database`, and `local: 'true'` for loopback hosts — the scorer rates public vs private hosts
 * and prod naming.
 *
 * Not findings: placeholder passwords (`password`, `changeme`, `${DB_PASSWORD}`, `<password>`,
 * `****`, the user name repeated, `postgres:postgres@`), documentation hosts (`host`,
 * `example.com`), and short or low-entropy passwords on loopback hosts (`user:password@localhost`).
 */
import type { Detector, Match } from '../types.js';
import { isPlaceholder, looksRedacted, shannonEntropy } from '../filters.js';
import { ALNUM, LOWER, randomBody } from './gen.js';
import { guardedFind, lineBreaksUnescaped } from './kit.js';

const PLACEHOLDER_PASSWORD =
  /^(?:pass|passwd|pwd|pw|secret|test|testing|tester|example|admin|administrator|root|toor|postgres|postgresql|mysql|mariadb|mongo|mongodb|redis|rabbitmq|guest|default|user|username|foo|bar|foobar|baz|qwerty|letmein|123456|1234|12345678|abc123|p@ssw0rd|s3cret|hunter2|xyz|none|null|empty|dummy|sample|demo|dev|local)$/i;
const PLACEHOLDER_PASSWORD_PART = /p[a@4]ss?w[o0]rd|passwd|s3cr3t|changeme|change_me|changeit|placeholder|example|your[_-]?pass|my[_-]?pass|secret[_-]?here|xxx|\*\*\*/i;
const TEMPLATE = /^[$%:]|\$\{|\{\{|\$\(|<[^>]{0,40}>|^\{[^}]{0,40}\}$|%s|%\([a-z_]+\)s/i;
const PLACEHOLDER_HOST = /^(?:host|hostname|your[_-]?host|server|servername|db[_-]?host|dbhost|database[_-]?host|<[^>]*>|\$\{?[A-Z_]+\}?|\{\{.*\}\}|\.\.\.)$|(?:^|\.)example\.(?:com|org|net)$|\.example$|\.invalid$/i;
const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|0\.0\.0\.0|\[?::1\]?|host\.docker\.internal)$/i;

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** True when a password looks like a real value rather than a placeholder or template. */
export function plausiblePassword(password: string, user: string, host?: string): boolean {
  const p = safeDecode(password);
  if (p.length < 3 || p.length > 256) return false;
  if (PLACEHOLDER_PASSWORD.test(p) || PLACEHOLDER_PASSWORD_PART.test(p) || TEMPLATE.test(p)) return false;
  if (looksRedacted(p) || (p.length >= 6 && isPlaceholder(p))) return false;
  if (user && p.toLowerCase() === safeDecode(user).toLowerCase()) return false;
  if (/^(.)\1*$/.test(p)) return false;
  // On a developer's own machine only a strong password is worth a finding.
  if (host && LOOPBACK.test(host) && (p.length < 12 || shannonEntropy(p) < 3)) return false;
  return true;
}

interface UrlRuleSpec {
  id: string;
  name: string;
  docs: string;
  keywords: string[];
  /** Regex source of the scheme alternatives (no capture groups). */
  schemes: string;
  reach: Detector['reach'];
  exampleScheme: string[];
  defaultUser: string;
}

function urlRule(spec: UrlRuleSpec): Detector {
  // scheme://[user]:password@host[:port][,host[:port]…][/database] — bounded, negated classes: linear.
  // Not preceded by a scheme character (part of a longer scheme, `x-postgres://`), except a `+`
  // that does not follow one: the added-line mark of a diff (`+postgres://…` at a line start).
  const re = new RegExp(
    `(?<![A-Za-z0-9.-])(?<![A-Za-z0-9+.-]\\+)(${spec.schemes}):\\/\\/([^\\s:@/?#'"<>\`\\\\]{0,128}):([^\\s@/?#'"<>\`\\\\]{1,256})@((?:[A-Za-z0-9._~%-]{1,253}|\\[[0-9a-fA-F:.]{2,45}\\])(?::[0-9]{1,5})?(?:,[A-Za-z0-9._~%-]{1,253}(?::[0-9]{1,5})?){0,10})(?:\\/([A-Za-z0-9._~%$-]{0,128}))?`,
    'gi',
  );
  return {
    id: spec.id,
    name: spec.name,
    kind: 'credential',
    keywords: spec.keywords,
    docs: spec.docs,
    ...(spec.reach ? { reach: spec.reach } : {}),
    find: guardedFind((original, out: Match[]) => {
      // A URL on its own line in a JSON string follows `\n` (see lineBreaksUnescaped); the
      // classes above exclude `\` and whitespace, so a match never spans a replaced escape.
      const text = lineBreaksUnescaped(original);
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(text)) !== null && out.length < 500) {
        const [whole, scheme, user = '', password = '', hosts = '', database] = m;
        const first = hosts.split(',')[0] ?? '';
        const portIdx = first.lastIndexOf(':');
        const host = (first.startsWith('[') ? first.slice(0, first.indexOf(']') + 1) : portIdx > 0 ? first.slice(0, portIdx) : first).toLowerCase();
        const port = !first.startsWith('[') && portIdx > 0 ? first.slice(portIdx + 1) : undefined;
        if (!host || PLACEHOLDER_HOST.test(host) || !plausiblePassword(password, user, host)) continue;
        // A URL cut short (`…@db.prod…`) is a preview, not a credential.
        if (/^(?:…|\.\.\.)/.test(text.slice(m.index + whole.length, m.index + whole.length + 3))) continue;
        const context: Record<string, string> = { scheme: scheme!.toLowerCase(), host };
        if (port) context.port = port;
        if (database) context.database = database;
        if (LOOPBACK.test(host)) context.local = 'true';
        out.push({ ruleId: spec.id, kind: 'credential', secret: whole, start: m.index, end: m.index + whole.length, context });
      }
    }),
    examples: () => {
      const pw = randomBody(ALNUM, 20);
      const host = `db-${randomBody(LOWER, 5)}.prod.acme.internal`;
      const [s0, s1 = s0] = spec.exampleScheme;
      return {
        match: [
          `DATABASE_URL=${s0}://${spec.defaultUser}:${pw}@${host}:5432/app`,
          `url: "${s1}://svc_${randomBody(LOWER, 4)}:${encodeURIComponent(`${randomBody(ALNUM, 12)}@!`)}@${host}/orders"`,
          `connect to ${s0}://admin:${randomBody(ALNUM, 16)}@10.0.3.7 now`,
        ],
        ignore: [
          `${s0}://user:password@localhost/db`,
          `${s0}://${spec.defaultUser}:${spec.defaultUser}@db:5432/app`,
          `${s0}://app:\${DB_PASSWORD}@db.internal/app`,
          `${s0}://app:<password>@db.internal/app`,
          `${s0}://app:****@db.internal/app`,
          `${s0}://app:changeme@db.internal/app`,
          `${s0}://app:${pw}@host:5432/db`,
          `${s0}://app:${pw}@db.example.com/app`,
          `${s0}://db.internal:5432/app`,
        ],
      };
    },
  };
}

// https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-URIS — postgres[ql]://user:password@host:port/db.
export const postgresUrl = urlRule({
  id: 'postgres-url',
  name: 'PostgreSQL connection URL with password',
  docs: 'https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-URIS',
  keywords: ['postgres'],
  schemes: 'postgres(?:ql)?(?:\\+[a-z0-9]{1,20})?',
  reach: { privilege: 'admin', scope: 'a PostgreSQL database as the URL’s role', lifetime: 'unbounded' },
  exampleScheme: ['postgres', 'postgresql+asyncpg'],
  defaultUser: 'postgres',
});

// https://dev.mysql.com/doc/refman/8.4/en/connecting-using-uri-or-key-value-pairs.html — mysql://user:password@host:port/db.
export const mysqlUrl = urlRule({
  id: 'mysql-url',
  name: 'MySQL / MariaDB connection URL with password',
  docs: 'https://dev.mysql.com/doc/refman/8.4/en/connecting-using-uri-or-key-value-pairs.html',
  keywords: ['mysql', 'mariadb'],
  schemes: 'mysqlx?(?:\\+[a-z0-9]{1,20})?|mariadb(?:\\+[a-z0-9]{1,20})?',
  reach: { privilege: 'admin', scope: 'a MySQL/MariaDB database as the URL’s user', lifetime: 'unbounded' },
  exampleScheme: ['mysql', 'mysql+pymysql'],
  defaultUser: 'root',
});

// https://www.mongodb.com/docs/manual/reference/connection-string/ — mongodb[+srv]://user:password@host[,host]/db.
export const mongodbUrl = urlRule({
  id: 'mongodb-url',
  name: 'MongoDB connection string with password',
  docs: 'https://www.mongodb.com/docs/manual/reference/connection-string/',
  keywords: ['mongodb'],
  schemes: 'mongodb(?:\\+srv)?',
  reach: { privilege: 'admin', scope: 'a MongoDB deployment as the string’s user', lifetime: 'unbounded' },
  exampleScheme: ['mongodb', 'mongodb+srv'],
  defaultUser: 'mongo',
});

// https://www.iana.org/assignments/uri-schemes/prov/redis — redis[s]://[user]:password@host:port/db.
export const redisUrl = urlRule({
  id: 'redis-url',
  name: 'Redis connection URL with password',
  docs: 'https://www.iana.org/assignments/uri-schemes/prov/redis',
  keywords: ['redis'],
  schemes: 'rediss?',
  reach: { privilege: 'admin', scope: 'a Redis server (all its data; often code execution via modules/config)', lifetime: 'unbounded' },
  exampleScheme: ['redis', 'rediss'],
  defaultUser: 'default',
});

// https://www.rabbitmq.com/docs/uri-spec — amqp[s]://user:password@host:port/vhost.
export const amqpUrl = urlRule({
  id: 'amqp-url',
  name: 'AMQP (RabbitMQ) connection URL with password',
  docs: 'https://www.rabbitmq.com/docs/uri-spec',
  keywords: ['amqp'],
  schemes: 'amqps?',
  reach: { privilege: 'write', scope: 'a message broker virtual host (read and publish messages)', lifetime: 'unbounded' },
  exampleScheme: ['amqp', 'amqps'],
  defaultUser: 'guest',
});

// https://docs.oracle.com/javase/tutorial/jdbc/basics/connecting.html — jdbc:<driver>:…;password=… / ?password=… / Oracle user/password@.
const JDBC = /(?<![A-Za-z0-9])jdbc:[a-z][a-z0-9]{1,20}(?::[a-z0-9]{1,20}){0,2}:[^\s'"<>`]{3,1024}/gi;
const JDBC_PASSWORD = /[;?&:]password=([^;&\s'"<>`]{1,256})/i;
const JDBC_USER = /[;?&:](?:user|username)=([^;&\s'"<>`]{1,128})/i;
const ORACLE_THIN = /^jdbc:oracle:[a-z]{2,10}:([A-Za-z0-9_$#.]{1,64})\/([^@\s]{1,128})@/i;

export const jdbcConnectionString = {
  id: 'jdbc-connection-string',
  name: 'JDBC connection URL with password',
  kind: 'credential',
  keywords: ['jdbc:'],
  docs: 'https://docs.oracle.com/javase/tutorial/jdbc/basics/connecting.html',
  reach: { privilege: 'admin', scope: 'a database as the URL’s user', lifetime: 'unbounded' },
  find: guardedFind((original, out: Match[]) => {
    // In a JSON string the URL would follow the `n` of `\n` (no boundary) and run on through the
    // next `\n` (no whitespace): matched on the view where escaped line breaks are line breaks.
    const text = lineBreaksUnescaped(original);
    JDBC.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = JDBC.exec(text)) !== null && out.length < 500) {
      const url = m[0].replace(/[.,;)\]]+$/, '');
      const pw = JDBC_PASSWORD.exec(url);
      const oracle = ORACLE_THIN.exec(url);
      const password = pw?.[1] ?? oracle?.[2];
      const user = JDBC_USER.exec(url)?.[1] ?? oracle?.[1] ?? '';
      const host = (/\/\/([A-Za-z0-9._-]{1,253})/.exec(url)?.[1] ?? /@([A-Za-z0-9._-]{1,253})/.exec(url)?.[1] ?? '').toLowerCase();
      if (!password || (host && PLACEHOLDER_HOST.test(host)) || !plausiblePassword(password, user, host || undefined)) continue;
      const context: Record<string, string> = { scheme: `jdbc:${/^jdbc:([a-z0-9]+)/i.exec(url)?.[1]?.toLowerCase() ?? ''}` };
      if (host) context.host = host;
      if (LOOPBACK.test(host)) context.local = 'true';
      out.push({ ruleId: 'jdbc-connection-string', kind: 'credential', secret: url, start: m.index, end: m.index + url.length, context });
    }
  }),
  examples: () => {
    const pw = randomBody(ALNUM, 18);
    return {
      match: [
        `spring.datasource.url=jdbc:postgresql://db.prod.acme.internal:5432/app?user=app&password=${pw}`,
        `jdbc:sqlserver://sql01.acme.corp:1433;databaseName=erp;user=sa;password=${randomBody(ALNUM, 14)};encrypt=true`,
        `url = "jdbc:oracle:thin:scott/${randomBody(ALNUM, 12)}@ora.acme.corp:1521:ORCL"`,
      ],
      ignore: [
        'jdbc:postgresql://localhost:5432/app?user=app&password=password',
        'jdbc:mysql://db.acme.internal:3306/app?user=app&password=${DB_PASSWORD}',
        'jdbc:postgresql://db.acme.internal:5432/app',
        `jdbc:mysql://host:3306/db?user=u&password=${pw}`,
      ],
    };
  },
} satisfies Detector;

// https://learn.microsoft.com/en-us/dotnet/framework/data/adonet/connection-string-syntax — Server=…;Database=…;User Id=…;Password=…;
const ADO_PASSWORD = /(?:^|[;"'\s])(?:password|pwd)\s{0,2}=/gi;
const ADO_SERVER_KEYS = /^(?:server|data source|datasource|host|hostname|address|addr|network address|initial catalog|database|dsn|driver)$/i;
/** The same keys as they appear in text (`Server=`), to skip password keys with none nearby. */
const ADO_SERVER_KEY_TEXT = /(?:server|data ?source|host(?:name)?|addr(?:ess)?|initial catalog|database|dsn|driver)\s*=/gi;

/** A character that ends an unquoted connection string: quotes, line breaks, angle brackets, backtick. */
function isAdoDelimiter(c: number): boolean {
  return c === 34 || c === 39 || c === 10 || c === 13 || c === 60 || c === 62 || c === 96;
}

function adoAt(text: string, keyPos: number): { secret: string; start: number; end: number; context: Record<string, string> } | undefined {
  // The string runs between delimiters that cannot occur inside it unquoted: quotes, line breaks, angle brackets.
  let s = keyPos;
  while (s > 0 && keyPos - s < 1024 && !isAdoDelimiter(text.charCodeAt(s - 1))) s--;
  let e = keyPos;
  while (e < text.length && e - keyPos < 1024 && !isAdoDelimiter(text.charCodeAt(e))) e++;
  const raw = text.slice(s, e);
  if (/jdbc:|:\/\//i.test(raw)) return undefined; // URL forms have their own rules
  const pairs = new Map<string, string>();
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    pairs.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim().replace(/^\{(.*)\}$/, '$1'));
  }
  if (![...pairs.keys()].some((k) => ADO_SERVER_KEYS.test(k))) return undefined;
  const password = pairs.get('password') ?? pairs.get('pwd');
  const user = pairs.get('user id') ?? pairs.get('uid') ?? pairs.get('user') ?? pairs.get('username') ?? '';
  const host = (pairs.get('server') ?? pairs.get('data source') ?? pairs.get('host') ?? pairs.get('address') ?? pairs.get('addr') ?? '').replace(/^tcp:/i, '').split(/[,:\\]/)[0]!.toLowerCase();
  if (!password || (host && PLACEHOLDER_HOST.test(host)) || !plausiblePassword(password, user, host || undefined)) return undefined;
  const lead = raw.length - raw.trimStart().length;
  const secret = raw.trim().replace(/;+$/, '');
  const context: Record<string, string> = { scheme: 'ado' };
  if (host) context.host = host;
  const db = pairs.get('database') ?? pairs.get('initial catalog');
  if (db) context.database = db;
  if (LOOPBACK.test(host) || host === '.' || host === '(local)') context.local = 'true';
  return { secret, start: s + lead, end: s + lead + secret.length, context };
}

export const adoConnectionString = {
  id: 'ado-connection-string',
  name: 'ADO.NET / ODBC connection string with password',
  kind: 'credential',
  keywords: ['password=', 'pwd='],
  docs: 'https://learn.microsoft.com/en-us/dotnet/framework/data/adonet/connection-string-syntax',
  reach: { privilege: 'admin', scope: 'a database (often SQL Server) as the string’s user', lifetime: 'unbounded' },
  window: { before: 1024, after: 1024 },
  find: guardedFind((original, out: Match[]) => {
    // A connection string runs between line breaks: in a JSON string those are `\n` escapes.
    const text = lineBreaksUnescaped(original);
    // Where server-like keys are (one linear pass): a password key with none within reach of its
    // window cannot form a connection string, so it is skipped without examining its ~2 KiB
    // neighbourhood (text of nothing but `pwd=` took ~20 s per MiB before).
    const serverKeys: number[] = [];
    ADO_SERVER_KEY_TEXT.lastIndex = 0;
    for (let k: RegExpExecArray | null; (k = ADO_SERVER_KEY_TEXT.exec(text)) !== null; ) serverKeys.push(k.index);
    if (serverKeys.length === 0) return;
    let next = 0;
    ADO_PASSWORD.lastIndex = 0;
    let covered = -1;
    let m: RegExpExecArray | null;
    while ((m = ADO_PASSWORD.exec(text)) !== null && out.length < 500) {
      if (m.index < covered) continue;
      while (next < serverKeys.length && serverKeys[next]! < m.index - 1100) next++;
      if (next >= serverKeys.length || serverKeys[next]! > m.index + 1100) continue;
      const r = adoAt(text, m.index + (/^[;"'\s]/.test(m[0]) ? 1 : 0));
      if (!r) continue;
      covered = r.end;
      out.push({ ruleId: 'ado-connection-string', kind: 'credential', secret: r.secret, start: r.start, end: r.end, context: r.context });
    }
  }),
  examples: () => {
    const pw = randomBody(ALNUM, 16);
    return {
      match: [
        `"ConnectionStrings": { "Default": "Server=tcp:sql-prod.database.windows.net,1433;Initial Catalog=orders;User ID=app;Password=${pw};Encrypt=True;" }`,
        `Driver={ODBC Driver 18 for SQL Server};Server=sql01.acme.corp;Database=erp;Uid=etl;Pwd={${randomBody(ALNUM, 14)}};`,
      ],
      ignore: [
        'Server=localhost;Database=app;User Id=sa;Password=password;',
        'Server=sql01;Database=app;User Id=app;Password=${DB_PASSWORD};',
        `password=${pw}`,
        'Data Source=.;Initial Catalog=app;Integrated Security=True',
        `Server=myServerAddress;Database=myDataBase;User Id=myUsername;Password=myPassword;`,
      ],
    };
  },
} satisfies Detector;
