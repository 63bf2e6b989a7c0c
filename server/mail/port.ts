/** The mail seam: features hand over a finished message; the transport is chosen by configuration. */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Set by the mail job (derived from its id), so a resend after a crash is the same message. */
  messageId?: string;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
  close(): Promise<void>;
}
