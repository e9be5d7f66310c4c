/** Options of the detection engine (`detect:` in the config file). */
import { z } from 'zod';

export const CustomRuleSchema = z
  .object({
    /** Stable kebab-case id, reported as the finding's rule. */
    id: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'rule ids are kebab-case'),
    name: z.string().optional(),
    /** A regular expression in RE2 syntax (linear time: a user rule can never hang a scan). */
    regex: z.string().min(1),
    /** Literal strings that must occur for the rule to run. At least one. */
    keywords: z.array(z.string().min(2)).min(1),
    /** Capture group holding the secret (0 = whole match). */
    secretGroup: z.number().int().min(0).default(0),
    /** Minimum Shannon entropy (bits per character) of the secret; filters placeholders. */
    minEntropy: z.number().min(0).max(8).optional(),
    examples: z.object({ match: z.array(z.string()).default([]), ignore: z.array(z.string()).default([]) }).optional(),
  })
  .strict();
export type CustomRule = z.infer<typeof CustomRuleSchema>;

export const DetectOptionsSchema = z
  .object({
    /** Rule ids to switch off. */
    disabledRules: z.array(z.string()).default([]),
    /** Extra rules of your own. */
    customRules: z.array(CustomRuleSchema).default([]),
  })
  .strict()
  .default({ disabledRules: [], customRules: [] });
export type DetectOptions = z.infer<typeof DetectOptionsSchema>;
