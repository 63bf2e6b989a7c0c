import { type DestinationStream, pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs on stdout. Anything that could carry a secret is redacted by path,
 * as a second line of defence: code never logs passwords, tokens or session ids on purpose.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
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
