/** Shared body of the `workers/*.ts` entrypoints. */
import { describeError } from '../src/core/errors.js';
import { runWorkerProcess } from '../src/cli/commands/worker.js';
import { parseRoles } from '../src/pipeline/service.js';

export async function runWorkerEntrypoint(role: 'poll' | 'scan' | 'act' | 'scheduler' | 'all'): Promise<void> {
  let code: number;
  try {
    code = await runWorkerProcess(parseRoles(role));
  } catch (e) {
    process.stderr.write(`tokenradius: ${describeError(e)}\n`);
    code = 2;
  }
  process.exitCode = code;
  // A graceful stop is done; do not let a stray library handle keep the process alive.
  setTimeout(() => process.exit(code), 3000).unref();
}
