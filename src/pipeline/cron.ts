/**
 * A small cron evaluator for the inline runner's schedules (BullMQ evaluates the same expressions
 * in service mode). Five fields — minute hour day-of-month month day-of-week — or six with a
 * leading seconds field; `*`, numbers, ranges `a-b`, steps `*\/n` and `a-b/n`, lists `a,b`. Day of
 * week 0-7 (0 and 7 = Sunday). As in Vixie cron, when both day fields are restricted a day matching
 * either runs. Times are UTC.
 */
import { TokenradiusError } from '../core/errors.js';

interface Field {
  values: Set<number>;
  any: boolean;
}

export interface CronSchedule {
  seconds: Field;
  minutes: Field;
  hours: Field;
  days: Field;
  months: Field;
  weekdays: Field;
}

const RANGES: Array<[number, number]> = [
  [0, 59],
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
];

function parseField(text: string, [min, max]: [number, number], name: string): Field {
  const values = new Set<number>();
  const bad = () => new TokenradiusError('CONFIG_INVALID', `cron ${name} field "${text.slice(0, 40)}" is invalid`);
  for (const part of text.split(',')) {
    const m = /^(\*|(\d{1,2})(?:-(\d{1,2}))?)(?:\/(\d{1,2}))?$/.exec(part);
    if (!m) throw bad();
    let lo = min;
    let hi = max;
    if (m[1] !== '*') {
      lo = Number(m[2]);
      hi = m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? max : lo;
    }
    const step = m[4] !== undefined ? Number(m[4]) : 1;
    if (lo < min || hi > max || lo > hi || step < 1) throw bad();
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return { values, any: text === '*' };
}

export function parseCron(expr: string): CronSchedule {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) {
    throw new TokenradiusError('CONFIG_INVALID', `cron expression needs 5 or 6 fields, got ${parts.length}`);
  }
  const f = parts.length === 5 ? ['0', ...parts] : parts;
  const names = ['seconds', 'minutes', 'hours', 'day-of-month', 'month', 'day-of-week'];
  const [seconds, minutes, hours, days, months, weekdays] = f.map((p, i) => parseField(p, RANGES[i]!, names[i]!)) as [Field, Field, Field, Field, Field, Field];
  if (weekdays.values.has(7)) weekdays.values.add(0);
  return { seconds, minutes, hours, days, months, weekdays };
}

export function isValidCron(expr: string): boolean {
  try {
    parseCron(expr);
    return true;
  } catch {
    return false;
  }
}

function dayMatches(s: CronSchedule, d: Date): boolean {
  const dom = s.days.values.has(d.getUTCDate());
  const dow = s.weekdays.values.has(d.getUTCDay());
  if (s.days.any && s.weekdays.any) return true;
  if (s.days.any) return dow;
  if (s.weekdays.any) return dom;
  return dom || dow;
}

/** The first time strictly after `after` that matches, or undefined if none within ~5 years. */
export function nextCronTime(schedule: CronSchedule | string, after: Date): Date | undefined {
  const s = typeof schedule === 'string' ? parseCron(schedule) : schedule;
  const t = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
  const limit = after.getTime() + 5 * 366 * 86_400_000;
  while (t.getTime() <= limit) {
    if (!s.months.values.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!dayMatches(s, t)) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!s.hours.values.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
      continue;
    }
    if (!s.minutes.values.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
      continue;
    }
    if (!s.seconds.values.has(t.getUTCSeconds())) {
      t.setUTCSeconds(t.getUTCSeconds() + 1, 0);
      continue;
    }
    return t;
  }
  return undefined;
}
