import nodemailer from 'nodemailer';
import type { Logger } from '../platform/logger.js';
import type { Mailer } from './port.js';

/** Sends mail over SMTP (nodemailer) from the configured sender. */
export function createSmtpMailer(smtpUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(mail) {
      await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, messageId: mail.messageId });
    },
    async close() {
      transport.close();
    },
  };
}

/**
 * Without SMTP_URL (the embedded demo setup) mail is not sent but logged, recipient and subject
 * only: message bodies can carry one-time codes, which never belong in a log.
 */
export function createLogOnlyMailer(logger: Logger): Mailer {
  return {
    async send(mail) {
      logger.warn({ to: mail.to, subject: mail.subject }, 'mail not sent: SMTP_URL is not configured');
    },
    async close() {},
  };
}
