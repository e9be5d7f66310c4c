/**
 * Entry point of a scan worker thread. Builds the scan deps once from the configuration the main
 * thread posted, then scans batches until the port closes. A batch that throws (a bug) is
 * reported back as `failed` with a catalogue code — never its message text — and the worker lives
 * on for the next batch.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { describeError, isTokenradiusError } from '../../core/errors.js';
import { buildScanDeps } from '../../pipeline/scan-deps.js';
import { createBatchScanner } from './batch.js';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('scan-worker must run in a worker thread');

const init = workerData as WorkerInit;
const scanner = createBatchScanner((sink) => buildScanDeps(init.config, { sink }), new Date(init.now));

// Batches run one after another: the pool never posts more than the worker can queue usefully.
let queue: Promise<void> = Promise.resolve();
port.on('message', (msg: ToWorker) => {
  if (msg.type !== 'work') return;
  queue = queue.then(async () => {
    let reply: FromWorker;
    try {
      reply = { type: 'done', id: msg.id, result: (await scanner.run(msg.item)).result };
    } catch (e) {
      reply = { type: 'failed', id: msg.id, code: isTokenradiusError(e) ? e.code : 'INTERNAL', message: describeError(e) };
    }
    port.postMessage(reply);
  });
});
port.postMessage({ type: 'ready' } satisfies FromWorker);
