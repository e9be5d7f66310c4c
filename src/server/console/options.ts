/**
 * Options of the review console and API sign-in (`console:` in the config file).
 *
 *   console:
 *     sessionTtlMinutes: 480        # a console session lasts this long (sign in again after)
 *     secureCookies: auto           # auto: Secure when the request is https (incl. trustProxy); always | never
 *     loginRateLimit:
 *       perIp:  { max: 10, windowSeconds: 60 }
 *       perKey: { max: 5,  windowSeconds: 300 }
 *     demo: true                    # first run on an empty embedded store loads the bundled demo
 */
import { z } from 'zod';

const LimitSchema = (max: number, windowSeconds: number) =>
  z
    .object({
      /** Attempts allowed per window. */
      max: z.number().int().min(1).max(10_000).default(max),
      windowSeconds: z.number().int().min(1).max(86_400).default(windowSeconds),
    })
    .strict()
    .prefault({});

export const ConsoleOptionsSchema = z
  .object({
    /** Lifetime of a console session (sealed cookie); the key behind it is re-checked on every request. */
    sessionTtlMinutes: z.number().int().min(1).max(7 * 24 * 60).default(480),
    /**
     * `auto`: cookies get `Secure` when the request arrived over https (directly, or per
     * `X-Forwarded-Proto` from a proxy trusted by `server.trustProxy`). `always` for TLS terminated
     * by a proxy you did not list; `never` only for plain-http test setups.
     */
    secureCookies: z.enum(['auto', 'always', 'never']).default('auto'),
    /**
     * Sign-in attempts (successful or not) per client IP and per API key id. Kept in process memory:
     * N API processes allow N times as many. Beyond it, 429 with Retry-After.
     */
    loginRateLimit: z
      .object({
        perIp: LimitSchema(10, 60),
        perKey: LimitSchema(5, 300),
      })
      .strict()
      .prefault({}),
    /**
     * `serve` loads the bundled demo (a generated Slack export and git repository with planted
     * tokens) when the embedded store is empty. Never with DATABASE_URL. `serve --no-demo` also
     * turns it off.
     */
    demo: z.boolean().default(true),
  })
  .strict()
  .prefault({});
export type ConsoleOptions = z.infer<typeof ConsoleOptionsSchema>;
export type ConsoleOptionsInput = z.input<typeof ConsoleOptionsSchema>;
