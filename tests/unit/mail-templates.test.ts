import { describe, expect, it } from 'vitest';
import {
  type AccountEvent,
  accountEventMail,
  activationMail,
  type RecoveryChange,
  recoveryChangeMail,
  recoveryEmailConfirmationMail,
  resetLinkMail,
  verificationCodeMail,
} from '../../server/mail/templates.js';

/**
 * Subjects show on lock screens and in notification previews, and mail systems log them: no code
 * or link may be in one (security review item 10). Every template, every subject: no digit at all.
 */
describe('mail subjects', () => {
  const code = '48213377';
  const link = 'http://portal.test/reset#token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
  const at = new Date('2026-11-29T10:00:00Z');
  const help = 'http://portal.test/forgot';
  const events: AccountEvent[] = ['password_reset', 'password_changed', 'account_unlocked'];
  const changes: RecoveryChange[] = [
    'email_added',
    'email_confirmed',
    'email_removed',
    'totp_enrolled',
    'totp_removed',
    'passkey_added',
    'passkey_removed',
  ];
  const mails = [
    verificationCodeMail('a@example.com', code, 10, 'Example Corp'),
    recoveryEmailConfirmationMail('a@example.com', code, 30, 'Example Corp'),
    resetLinkMail('a@example.com', link, 30, 'Example Corp'),
    ...events.map((event) => accountEventMail('a@example.com', event, 'alice', at, help)),
    ...changes.map((change) => recoveryChangeMail('a@example.com', change, 'alice', at, help)),
    activationMail('a@example.net', 'Jane', 'jane.doe', link.replace('/reset', '/activate'), 7, 'Example Corp'),
  ];

  it.each(mails.map((mail) => [mail.template, mail]))('%s: a subject without a digit of any code, and a template name', (_name, mail) => {
    expect(mail.subject).not.toMatch(/\d/);
    expect(mail.subject).not.toContain('token');
    expect(mail.template).toMatch(/^[a-z_]+$/);
  });

  it('still carries the code and the link in the body', () => {
    expect(mails[0]!.text).toContain(code);
    expect(mails[1]!.text).toContain(code);
    expect(mails[2]!.text).toContain(link);
    expect(mails.at(-1)!.text).toContain(link.replace('/reset', '/activate'));
    expect(mails.at(-1)!.text).toContain('jane.doe');
  });
});
