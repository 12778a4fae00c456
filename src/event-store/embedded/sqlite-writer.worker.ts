import { parentPort, workerData } from 'node:worker_threads';
import { identityOf } from '../../storage/embedded/file-identity';
import { AppendGroupCommitter, storageFailure } from './sqlite-append-group';
import { openEventFile } from './sqlite-event-rows';
import type {
  AppendRequest,
  ProbeRequest,
  WriterReply,
  WriterRequest,
  WriterStartup,
} from './sqlite-writer.protocol';

/**
 * The writer thread of one SqliteEventStore: it alone writes, so the fsync of every commit and
 * any wait for another process's lock happen here, off the event loop that serves HTTP.
 * Requests that arrive while a commit runs queue up in the port and form the next group.
 */

export interface WriterOptions {
  file: string;
  /** How long a group waits for another process's write lock before it fails as busy. */
  lockWaitMs: number;
}

/** Bounds one transaction, so that a flood cannot make any append wait on a huge commit. */
const MAX_GROUP = 512;

const port = parentPort!;
const { file, lockWaitMs } = workerData as WriterOptions;
let committer: AppendGroupCommitter;
let close: () => void;
try {
  const db = openEventFile(file, lockWaitMs);
  committer = new AppendGroupCommitter(db, file, identityOf(file));
  close = () => db.close();
  port.postMessage({ ready: true } satisfies WriterStartup);
} catch (error) {
  const { reason, message } = storageFailure(error);
  port.postMessage({ ready: false, reason, message } satisfies WriterStartup);
  process.exit(1);
}

const queue: (AppendRequest | ProbeRequest)[] = [];
let scheduled = false;
let closing = false;

function drain(): void {
  scheduled = false;
  while (queue.length > 0) {
    port.postMessage(committer.commit(queue.splice(0, MAX_GROUP)) satisfies WriterReply[]);
  }
  if (closing) {
    close();
    port.close();
  }
}

port.on('message', (requests: WriterRequest[]) => {
  for (const request of requests) {
    if (request.kind === 'close') closing = true;
    else queue.push(request);
  }
  if (!scheduled) {
    scheduled = true;
    // After the messages already waiting in the port are queued: they join this group.
    setImmediate(drain);
  }
});
