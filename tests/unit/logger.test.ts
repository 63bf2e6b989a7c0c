import { describe, expect, it } from 'vitest';
import { capturingLogger } from '../harness/logs.js';

/**
 * Redaction by path: the second line of defence behind code that never logs a secret on purpose
 * (security review item 10). The request access line skips it (server/app.ts): its own fields
 * cannot hold one; every other line, a child logger's too, keeps it.
 */
describe('the logger', () => {
  it('redacts passwords, tokens, cookies and bind passwords at the top level and one level down', () => {
    const { logger, lines } = capturingLogger('trace');
    logger.info(
      {
        password: 'secret-1',
        newPassword: 'secret-2',
        user: { password: 'secret-3', currentPassword: 'secret-4', token: 'secret-5', bindPassword: 'secret-6', name: 'alice' },
        token: 'secret-7',
        sessionId: 'secret-8',
        headers: { cookie: 'portal_session=secret-9', accept: 'json' },
        res: { headers: { 'set-cookie': 'portal_session=secret-10' } },
      },
      'signed in',
    );
    const line = lines[0]!;
    expect(JSON.stringify(line)).not.toContain('secret-');
    expect(line).toMatchObject({
      password: '[redacted]',
      newPassword: '[redacted]',
      user: { password: '[redacted]', currentPassword: '[redacted]', token: '[redacted]', bindPassword: '[redacted]', name: 'alice' },
      token: '[redacted]',
      sessionId: '[redacted]',
      headers: { cookie: '[redacted]', accept: 'json' },
      res: { headers: { 'set-cookie': '[redacted]' } },
    });
  });

  it('keeps redacting in child loggers', () => {
    const { logger, lines } = capturingLogger('trace');
    logger.child({ job: 'mail' }).warn({ password: 'hunter2' }, 'failed');
    expect(lines[0]).toMatchObject({ job: 'mail', password: '[redacted]' });
  });
});
