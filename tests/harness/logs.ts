import { createLogger, type Logger } from '../../server/platform/logger.js';

/** A real logger (redaction included) whose lines the test reads back, each parsed from its JSON. */
export function capturingLogger(level = 'info'): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger(level, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}
