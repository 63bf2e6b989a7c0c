import type { Mailer, OutgoingMail } from './port.js';

/**
 * Demo mode without SMTP: mail is kept (the last 50 messages, in memory) and shown on the demo
 * mailbox page, so every flow of the demo can be followed end to end without a mail server.
 * Never used outside demo mode.
 */
export class DemoOutbox implements Mailer {
  private readonly messages: (OutgoingMail & { id: number; at: string })[] = [];
  private nextId = 1;

  constructor(private readonly now: () => number) {}

  async send(mail: OutgoingMail): Promise<void> {
    this.messages.unshift({ ...mail, id: this.nextId++, at: new Date(this.now()).toISOString() });
    this.messages.length = Math.min(this.messages.length, 50);
  }

  list() {
    return [...this.messages];
  }

  async close(): Promise<void> {}
}
