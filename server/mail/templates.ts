import type { OutgoingMail } from './port.js';

/**
 * Security mail, in English and Simplified Chinese in one message: a locked-out person may read
 * it on any device, and we do not know their language before they sign in. Plain text first;
 * nothing here is secret except the code or link it carries.
 */

/**
 * Subjects never carry a code or link: they show on lock screens and in notification previews, and
 * mail systems log them. `template` names the mail for logs, which say nothing more about it.
 */
export function bilingual(template: string, to: string, subject: [string, string], body: [string, string]): OutgoingMail {
  return { template, to, subject: `${subject[0]} / ${subject[1]}`, text: `${body[0]}\n\n— — —\n\n${body[1]}\n` };
}

const NOT_YOU_EN = (helpUrl: string) =>
  `Not you? Someone may know your password or have access to your mail. Reset your password now at ${helpUrl} and tell the IT help desk.`;
const NOT_YOU_ZH = (helpUrl: string) =>
  `不是您本人操作？可能有人知道您的密码或能访问您的邮箱。请立即在 ${helpUrl} 重置密码，并告知 IT 服务台。`;

export function verificationCodeMail(to: string, code: string, minutes: number, company: string): OutgoingMail {
  return bilingual(
    'verification_code',
    to,
    [`Your ${company} verification code`, `您的验证码`],
    [
      `Your verification code for resetting or unlocking your ${company} account is:\n\n    ${code}\n\nIt works once, for ${minutes} minutes. Nobody from IT will ever ask you for it.\nIf you did not ask for it, ignore this mail: nothing has changed.`,
      `您用于重置或解锁 ${company} 账户的验证码是：\n\n    ${code}\n\n该验证码仅可使用一次，${minutes} 分钟内有效。IT 人员绝不会向您索要。\n如果不是您本人申请，请忽略此邮件：您的账户没有任何变化。`,
    ],
  );
}

export function recoveryEmailConfirmationMail(to: string, code: string, minutes: number, company: string): OutgoingMail {
  return bilingual(
    'recovery_email_confirmation',
    to,
    ['Confirm your recovery email', '确认您的恢复邮箱'],
    [
      `Enter this code in the ${company} IT portal to use this address for password resets:\n\n    ${code}\n\nIt works for ${minutes} minutes. If you did not add this address, ignore this mail.`,
      `请在 ${company} IT 门户中输入以下验证码，以便将此地址用于密码重置：\n\n    ${code}\n\n${minutes} 分钟内有效。如果不是您添加的此地址，请忽略此邮件。`,
    ],
  );
}

export function resetLinkMail(to: string, link: string, minutes: number, company: string): OutgoingMail {
  return bilingual(
    'reset_link',
    to,
    [`Reset your ${company} password`, `重置您的 ${company} 密码`],
    [
      `The IT help desk sent you a link to choose a new password:\n\n    ${link}\n\nIt works once, for ${minutes} minutes. If you did not ask the help desk for this, ignore this mail and tell them.`,
      `IT 服务台向您发送了设置新密码的链接：\n\n    ${link}\n\n该链接仅可使用一次，${minutes} 分钟内有效。如果您没有联系服务台，请忽略此邮件并告知他们。`,
    ],
  );
}

export type AccountEvent = 'password_reset' | 'password_changed' | 'account_unlocked';

const EVENT_TEXT: Record<AccountEvent, { subject: [string, string]; body: [string, string] }> = {
  password_reset: {
    subject: ['Your password was reset', '您的密码已被重置'],
    body: [
      'The password of your account {user} was reset through the IT portal at {when}. You have been signed out everywhere.',
      '您的账户 {user} 的密码已于 {when} 通过 IT 门户重置。您已在所有设备上退出登录。',
    ],
  },
  password_changed: {
    subject: ['Your password was changed', '您的密码已更改'],
    body: [
      'The password of your account {user} was changed at {when}. Your other sessions have been signed out.',
      '您的账户 {user} 的密码已于 {when} 更改。您的其他会话已退出登录。',
    ],
  },
  account_unlocked: {
    subject: ['Your account was unlocked', '您的账户已解锁'],
    body: [
      'Your account {user} was unlocked at {when}. Your password did not change.',
      '您的账户 {user} 已于 {when} 解锁。您的密码没有改变。',
    ],
  },
};

/** "This happened to your account", with what to do if it was not you. */
export function accountEventMail(to: string, event: AccountEvent, username: string, at: Date, helpUrl: string): OutgoingMail {
  const text = EVENT_TEXT[event];
  const when = at.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  const fill = (s: string) => s.replace('{user}', username).replace('{when}', when);
  return bilingual(`account_${event}`, to, text.subject, [
    `${fill(text.body[0])}\n\n${NOT_YOU_EN(helpUrl)}`,
    `${fill(text.body[1])}\n\n${NOT_YOU_ZH(helpUrl)}`,
  ]);
}

export type RecoveryChange =
  'email_added' | 'email_confirmed' | 'email_removed' | 'totp_enrolled' | 'totp_removed' | 'passkey_added' | 'passkey_removed';

const RECOVERY_CHANGE_TEXT: Record<RecoveryChange, [string, string]> = {
  email_added: ['A recovery email address was added (it counts once it is confirmed).', '添加了一个恢复邮箱地址（确认后生效）。'],
  email_confirmed: [
    'A recovery email address was confirmed and can now be used to reset your password.',
    '一个恢复邮箱地址已确认，现在可用于重置您的密码。',
  ],
  email_removed: ['Your recovery email address was removed.', '您的恢复邮箱地址已被删除。'],
  totp_enrolled: ['An authenticator app was set up.', '已设置身份验证器应用。'],
  totp_removed: ['Your authenticator app was removed.', '您的身份验证器应用已被删除。'],
  passkey_added: ['A passkey was added.', '添加了一个通行密钥。'],
  passkey_removed: ['A passkey was removed.', '删除了一个通行密钥。'],
};

/**
 * "The ways to reset your password changed": sent to every address on file, because whoever
 * controls a recovery factor can take the account over. No code or secret in it.
 */
export function recoveryChangeMail(to: string, change: RecoveryChange, username: string, at: Date, helpUrl: string): OutgoingMail {
  const when = at.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  const [en, zh] = RECOVERY_CHANGE_TEXT[change];
  return bilingual(
    `recovery_${change}`,
    to,
    ['Your account recovery options changed', '您的账户恢复方式已更改'],
    [
      `The recovery options of your account ${username} changed at ${when}:\n\n    ${en}\n\n${NOT_YOU_EN(helpUrl)}`,
      `您的账户 ${username} 的恢复方式已于 ${when} 更改：\n\n    ${zh}\n\n${NOT_YOU_ZH(helpUrl)}`,
    ],
  );
}

/** To an article's owner: the article is past its review-by date (English and Chinese, like all portal mail). */
export function kbReviewDueMail(to: string, title: string, reviewBy: string, url: string): OutgoingMail {
  return bilingual(
    'kb_review_due',
    to,
    ['A knowledge-base article is due for review', '知识库文章需要复核'],
    [
      `The article "${title}" was due for review on ${reviewBy}.\n\nPlease check that it is still correct, then save it (which records the review) with a new review-by date:\n${url}`,
      `文章“${title}”的复核日期为 ${reviewBy}，现已到期。\n\n请确认内容仍然正确，然后保存（即记录本次复核）并设置新的复核日期：\n${url}`,
    ],
  );
}

/**
 * To a new hire's personal address on their start date: the one-time link that sets their first
 * password. The subject names the company, never the link; the body names the username they will
 * sign in with (it is not a secret, and they need it).
 */
export function activationMail(to: string, firstName: string, username: string, link: string, days: number, company: string): OutgoingMail {
  return bilingual(
    'activation',
    to,
    [`Welcome to ${company}: set up your account`, `欢迎加入 ${company}：设置您的账户`],
    [
      `Hello ${firstName},\n\nYour ${company} account is ready. Your username is:\n\n    ${username}\n\nChoose your password here (the link works once, for ${days} days):\n\n    ${link}\n\nThen add a way to recover your account, so you can reset your password yourself later. Nobody from IT will ever ask you for your password.\nIf you are not starting at ${company}, ignore this mail.`,
      `${firstName}，您好：\n\n您的 ${company} 账户已准备就绪。您的用户名是：\n\n    ${username}\n\n请通过以下链接设置密码（仅可使用一次，${days} 天内有效）：\n\n    ${link}\n\n然后请添加账户恢复方式，以便日后自行重置密码。IT 人员绝不会向您索要密码。\n如果您并未入职 ${company}，请忽略此邮件。`,
    ],
  );
}

/** One line of the day-before summary: a checklist item still open. */
export interface SummaryItem {
  key: string;
  state: string;
}

const ITEM_TEXT: Record<string, [string, string]> = {
  account_created: ['Account created', '账户已创建'],
  groups_added: ['Groups added', '已加入群组'],
  equipment_reserved: ['Equipment reserved', '设备已预留'],
  equipment_shipped: ['Equipment shipped or ready for pickup', '设备已发出或可领取'],
  equipment_received: ['Equipment received', '设备已签收'],
  activation_sent: ['Activation link sent', '激活链接已发送'],
  activated: ['Password set', '密码已设置'],
  first_sign_in: ['First sign-in', '首次登录'],
};

/**
 * To the manager and HR the day before a start date: "ready" or "not ready", with what is still
 * open. Activation and sign-in are not expected before the day, so they are not listed as missing.
 */
export function dayBeforeSummaryMail(to: string, hire: { displayName: string; username: string; startDate: string; timeZone: string }, open: SummaryItem[], url: string): OutgoingMail {
  const ready = open.length === 0;
  const list = (lang: 0 | 1) => open.map((i) => `    - ${(ITEM_TEXT[i.key] ?? [i.key, i.key])[lang]}${i.state === 'overdue' ? (lang ? '（已逾期）' : ' (overdue)') : ''}`).join('\n');
  return bilingual(
    'onboarding_day_before',
    to,
    ready
      ? [`Ready: ${hire.displayName} starts tomorrow`, `已就绪：${hire.displayName} 明天入职`]
      : [`Not ready: ${hire.displayName} starts tomorrow`, `未就绪：${hire.displayName} 明天入职`],
    [
      `${hire.displayName} (${hire.username}) starts on ${hire.startDate} (${hire.timeZone}).\n\n${ready ? 'Everything that should be done before the first day is done.' : `Still open:\n${list(0)}`}\n\nChecklist: ${url}`,
      `${hire.displayName}（${hire.username}）将于 ${hire.startDate}（${hire.timeZone}）入职。\n\n${ready ? '入职前应完成的事项均已完成。' : `尚未完成：\n${list(1)}`}\n\n清单：${url}`,
    ],
  );
}

/** What an offboarding summary says: who left, what the portal closed, which devices are to come back. */
export interface OffboardingSummary {
  displayName: string;
  username: string;
  lastDay: string;
  timeZone: string;
  /** False when the directory had no such account any more (nothing to disable). */
  accountDisabled: boolean;
  devices: { assetTag: string; modelName: string }[];
  /** The offboarding's page in the portal. */
  url: string;
}

/** To the leaver's manager and the HR member who started it, once the last day has ended. */
export function offboardingSummaryMail(to: string, s: OffboardingSummary): OutgoingMail {
  const list = s.devices.map((d) => `  - ${d.modelName} (${d.assetTag})`).join('\n');
  const devicesEn = s.devices.length
    ? `A return was opened for each device assigned to them; please make sure these come back to the IT help desk:\n${list}`
    : 'No devices were assigned to them: nothing to return.';
  const devicesZh = s.devices.length ? `已为其名下的每台设备发起归还，请确保以下设备交还 IT 服务台：\n${list}` : '其名下没有设备，无需归还。';
  const accountEn = s.accountDisabled ? 'Their account is disabled' : 'Their account was already gone from the directory';
  const accountZh = s.accountDisabled ? '其账户已停用' : '其账户已不在目录中';
  return bilingual(
    'offboarding_summary',
    to,
    [`Offboarding done: ${s.displayName}`, `离职手续已完成：${s.displayName}`],
    [
      `${s.displayName} (${s.username}) had their last day on ${s.lastDay} (${s.timeZone}).\n\n${accountEn}, and every portal session, push subscription, delegation and pending reset of theirs has ended.\n\n${devicesEn}\n\nThe checklist: ${s.url}`,
      `${s.displayName}（${s.username}）的最后工作日为 ${s.lastDay}（${s.timeZone}）。\n\n${accountZh}，其所有门户会话、推送订阅、审批委托和未完成的重置均已终止。\n\n${devicesZh}\n\n清单：${s.url}`,
    ],
  );
}
