import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from './ports.js';

export interface CapturedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  /** The Message-ID header (the portal derives it from the mail job). */
  messageId: string;
}

export interface SmtpCapture {
  /** `smtp://127.0.0.1:PORT` for SMTP_URL. */
  url: string;
  messages: CapturedMail[];
  /** Messages to one address, oldest first. */
  to(address: string): CapturedMail[];
  /** Waits until a message to the address arrives (after `after` messages already seen). */
  waitFor(address: string, after?: number, timeoutMs?: number): Promise<CapturedMail>;
  /** Takes the server down (connections refused) until `start()`, on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real SMTP server (smtp-server) on a free loopback port that keeps every message the portal
 * sends through nodemailer, parsed (mailparser) so tests read subject and text as a person would.
 */
export async function startSmtpCapture(): Promise<SmtpCapture> {
  const messages: CapturedMail[] = [];
  const newServer = () =>
    new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        simpleParser(stream)
          .then((parsed) => {
            messages.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              messageId: parsed.messageId ?? '',
            });
            callback();
          })
          .catch(callback);
      },
    });
  const port = await freePort();
  let server = newServer();
  const listen = () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const closeServer = () => new Promise<void>((resolve) => server.close(() => resolve()));
  await listen();
  const to = (address: string) => messages.filter((m) => m.to.includes(address.toLowerCase()));
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    to,
    async waitFor(address, after = 0, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const found = to(address)[after];
        if (found) return found;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`no mail to ${address} within ${timeoutMs} ms`);
    },
    stop: closeServer,
    async start() {
      server = newServer();
      await listen();
    },
    close: closeServer,
  };
}

/** The first 8-digit code in a message (codes are printed alone on a line). */
export function codeIn(mail: CapturedMail): string {
  const match = /^\s+(\d{8})\s*$/m.exec(mail.text);
  if (!match) throw new Error(`no code in mail: ${mail.text}`);
  return match[1]!;
}
