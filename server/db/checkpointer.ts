import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints of a SQLite database on a thread of their own.
 *
 * SQLite copies the write-ahead log back into the database file (a checkpoint) inside whichever
 * commit pushes the log past wal_autocheckpoint pages. better-sqlite3 is synchronous, so that
 * commit, and the whole event loop with it, waits while a thousand pages are written and synced:
 * under a steady stream of writes every few dozen requests stall for tens of milliseconds (the
 * request benchmark's slow commits were these). This thread runs PASSIVE checkpoints, which never
 * block the portal's reader or writer, on its own connection every `intervalMs`; the portal's own
 * connection keeps a far higher wal_autocheckpoint only as a backstop should this thread fall
 * behind or stop.
 *
 * Every 100 ms, not every second: a checkpoint still makes some of the portal's commits wait on
 * the disk (the commit that starts the log over syncs its header behind the checkpoint's writes),
 * and how long they wait grows with how much the checkpoint copies. Creating device requests at
 * 200 a second, the slowest commit took 71–75 ms with a checkpoint a second, 16–25 ms every
 * 200 ms, 12–13 ms every 100 ms; a checkpoint with nothing to copy costs microseconds.
 *
 * The thread's code is a string (the server is bundled into one file, so there is no second
 * module to point a Worker at); the driver is handed in as a resolved path.
 */
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('synchronous = NORMAL');
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy (another process checkpoints) or the file went away at shutdown: the next round retries.
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  /** Runs a last checkpoint and ends the thread. */
  stop(): Promise<void>;
}

/**
 * Starts the checkpoint thread for the SQLite file `file`. `onFailure` is told if the thread dies
 * (the caller then lets its own connection checkpoint again).
 */
export function startCheckpointer(file: string, onFailure: (error: Error) => void, intervalMs = 100): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(SOURCE, { eval: true, workerData: { file, driver, intervalMs } });
  // The thread never keeps the process alive: serve's shutdown stops it, other commands exit.
  worker.unref();
  let stopping = false;
  worker.on('error', (error) => {
    if (!stopping) onFailure(error);
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async stop() {
      stopping = true;
      worker.postMessage('stop');
      const timeout = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 5000).unref());
      if ((await Promise.race([exited, timeout])) === 'late') await worker.terminate();
    },
  };
}
