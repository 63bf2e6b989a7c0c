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
 * Without SMTP_URL (and outside demo mode) mail is not sent: the log says which mail to whom (its
 * template and recipient), never its subject or body, which may carry codes and links. Features
 * see `delivers: false` and offer no method that relies on mail.
 */
export function createLogOnlyMailer(logger: Logger): Mailer {
  return {
    delivers: false,
    async send(mail) {
      logger.warn({ template: mail.template ?? 'unnamed', to: mail.to }, 'mail not sent: SMTP_URL is not configured');
    },
    async close() {},
  };
}
