/** The mail seam: features hand over a finished message; the transport is chosen by configuration. */
export interface OutgoingMail {
  /** Which template made it (e.g. `verification_code`): what a log line may say about a mail. */
  template?: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Set by the mail job (derived from its id), so a resend after a crash is the same message. */
  messageId?: string;
}

export interface Mailer {
  /** False for a mailer that delivers nothing (the log-only one): features then offer no mail-based method. */
  readonly delivers?: boolean;
  send(mail: OutgoingMail): Promise<void>;
  close(): Promise<void>;
}
