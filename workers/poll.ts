#!/usr/bin/env node
/**
 * Deployable entrypoint: the `poll` pipeline role on BullMQ. Loads the config (TOKENRADIUS_CONFIG or
 * embedded defaults; REDIS_URL, DATABASE_URL, TOKENRADIUS_SEALING_KEY from the environment), builds
 * the dependencies, runs, and shuts down gracefully on SIGTERM / SIGINT (`worker.close()`).
 * Equivalent to `tokenradius worker --role poll`.
 */
import { runWorkerEntrypoint } from './run.js';

await runWorkerEntrypoint('poll');
