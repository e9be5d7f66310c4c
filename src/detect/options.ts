/** Options of the detection engine (`detect:` in the config file). */
import { z } from 'zod';
import { customRuleIssues, regexIssue } from './custom.js';
import { credentialRules } from './rules/index.js';

/** Ids the built-in detectors own: a custom rule may not reuse them, `disabledRules` may name them. */
const BUILTIN_IDS: ReadonlySet<string> = new Set(['jwt', ...credentialRules.map((r) => r.id)]);

export const CustomRuleSchema = z
  .object({
    /** Stable kebab-case id, reported as the finding's rule. */
    id: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'rule ids are kebab-case'),
    name: z.string().optional(),
    /** A regular expression in RE2 syntax (linear time: a user rule can never hang a scan). */
    regex: z
      .string()
      .min(1)
      .superRefine((src, ctx) => {
        const problem = regexIssue(src);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    /** Literal strings that must occur for the rule to run. At least one. */
    keywords: z.array(z.string().min(2)).min(1),
    /** Capture group holding the secret (0 = whole match). */
    secretGroup: z.number().int().min(0).default(0),
    /** Minimum Shannon entropy (bits per character) of the secret; filters placeholders. */
    minEntropy: z.number().min(0).max(8).optional(),
    /** Link to the documentation of the format (shown with findings). */
    docs: z.string().url().optional(),
    /** What a leaked token of this kind can do, for the blast-radius score. */
    reach: z
      .object({
        privilege: z.enum(['read', 'write', 'admin', 'owner']).default('write'),
        scope: z.string().min(1).max(200).optional(),
        lifetime: z.enum(['minutes', 'hours', 'days', 'months', 'unbounded']).default('unbounded'),
      })
      .strict()
      .optional(),
    /** Overlap tie-breaker against other detectors (see Detector.priority); default 0. */
    priority: z.number().int().min(-100).max(100).optional(),
    /** Strings the rule must match / must not match; checked when the config loads. */
    examples: z.object({ match: z.array(z.string()).default([]), ignore: z.array(z.string()).default([]) }).strict().optional(),
  })
  .strict()
  .superRefine((rule, ctx) => {
    if (BUILTIN_IDS.has(rule.id)) ctx.addIssue({ code: 'custom', path: ['id'], message: `"${rule.id}" is the id of a built-in rule; choose another` });
    // The regex problem itself is reported on the `regex` key; here: secretGroup and examples.
    if (regexIssue(rule.regex)) return;
    for (const issue of customRuleIssues(rule)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  });
export type CustomRule = z.infer<typeof CustomRuleSchema>;

export const DetectOptionsSchema = z
  .object({
    /** Rule ids to switch off (built-in or custom). */
    disabledRules: z.array(z.string()).default([]),
    /** Extra rules of your own. */
    customRules: z
      .array(CustomRuleSchema)
      .default([])
      .superRefine((rules, ctx) => {
        const seen = new Map<string, number>();
        rules.forEach((r, i) => {
          const prev = seen.get(r.id);
          if (prev !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate rule id "${r.id}" (also customRules[${prev}])` });
          else seen.set(r.id, i);
        });
      }),
  })
  .strict()
  .superRefine((opts, ctx) => {
    // A typo in disabledRules would silently keep a noisy rule on: name the unknown id.
    const custom = new Set(opts.customRules.map((r) => r.id));
    opts.disabledRules.forEach((id, i) => {
      if (!BUILTIN_IDS.has(id) && !custom.has(id)) ctx.addIssue({ code: 'custom', path: ['disabledRules', i], message: `unknown rule id "${id}"` });
    });
  })
  .default({ disabledRules: [], customRules: [] });
export type DetectOptions = z.infer<typeof DetectOptionsSchema>;
