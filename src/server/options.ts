/** Options of the HTTP server (`server:` in the config file). `--port` / `--host` override them. */
import { z } from 'zod';

export const ServerOptionsSchema = z
  .object({
    /** Interface to listen on. 127.0.0.1 by default: expose it deliberately (0.0.0.0 in a container). */
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8080),
    /** Largest request body accepted by any route (bytes). */
    bodyLimitBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
    /** Largest webhook body (Slack, Jira, GitHub push payloads can be several MB). */
    webhookBodyLimitBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(5 * 1024 * 1024),
    /** Trust X-Forwarded-* from a reverse proxy: true, or the proxy addresses / CIDRs to trust. */
    trustProxy: z.union([z.boolean(), z.string().min(1), z.array(z.string().min(1))]).default(false),
    /** Time allowed to finish in-flight requests on shutdown. */
    shutdownGraceMs: z.number().int().min(0).max(120_000).default(10_000),
  })
  .strict()
  .prefault({});
export type ServerOptions = z.infer<typeof ServerOptionsSchema>;
