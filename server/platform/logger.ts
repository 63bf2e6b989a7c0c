import { type DestinationStream, destination as pinoDestination, pino, type Logger } from 'pino';

export type { Logger };

/**
 * How long a line may wait in the stdout buffer: an operator following the log sees it this soon
 * at the latest, and at most this much is lost if the process is killed outright.
 */
const LOG_FLUSH_INTERVAL_MS = 250;

/**
 * stdout, written asynchronously in chunks (pino's asynchronous logging). pino's default stdout
 * stream writes each line as soon as it is logged, through libuv's thread pool: on a busy server
 * that is a thread hand-off for every request's access line (~8% of the CPU of a cached search,
 * measured by alternating runs). Here lines are collected up to 4 KiB and written together, and
 * at least every LOG_FLUSH_INTERVAL_MS. pino flushes what is left synchronously when the process
 * exits (a normal exit, an uncaught exception, SIGTERM or SIGINT, which `serve` turns into an
 * exit), so only a process killed outright (SIGKILL, out of memory) or a power cut loses the last
 * lines (tests/integration/log-output.test.ts).
 */
function bufferedStdout(): DestinationStream {
  return pinoDestination({ dest: 1, sync: false, minLength: 4096, periodicFlush: LOG_FLUSH_INTERVAL_MS });
}

/**
 * Structured JSON logs, on stdout unless a destination is given (tests keep the lines). Anything
 * that could carry a secret is redacted by path, as a second line of defence: code never logs
 * passwords, tokens or session ids on purpose.
 */
export function createLogger(level: string, destination: DestinationStream = bufferedStdout()): Logger {
  return pino(
    {
      level,
      base: { service: 'it-portal' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          'password',
          '*.password',
          'newPassword',
          '*.newPassword',
          'currentPassword',
          '*.currentPassword',
          'token',
          '*.token',
          'headers.cookie',
          'req.headers.cookie',
          'res.headers["set-cookie"]',
          'bindPassword',
          '*.bindPassword',
          'sessionId',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
