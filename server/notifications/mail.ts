import type { NotificationKind, NotificationParams } from '../../shared/requests.js';
import { bilingual } from '../mail/templates.js';
import type { OutgoingMail } from '../mail/port.js';

/**
 * Mail for in-app notifications, in English and Simplified Chinese in one message like the
 * portal's other mail (we do not keep a language per person). `{name}` placeholders are filled
 * from the notification's params; the link goes to the request or the approval queue.
 */
const TEXT: Record<NotificationKind, { subject: [string, string]; body: [string, string] }> = {
  request_submitted: {
    subject: ['A device was requested for you', '已为您申请设备'],
    body: ['{actor} asked for {model} for you (request #{requestId}).', '{actor} 为您申请了 {model}（申请 #{requestId}）。'],
  },
  approval_needed: {
    subject: ['A request waits for your approval', '有申请等待您审批'],
    body: ['{requester} asks for {model} (request #{requestId}). Please approve or reject it.', '{requester} 申请 {model}（申请 #{requestId}）。请批准或拒绝。'],
  },
  step_approved: {
    subject: ['Your request moved on', '您的申请已进入下一步'],
    body: ['{actor} approved step {step} of your request for {model} (#{requestId}).', '{actor} 已批准您的 {model} 申请（#{requestId}）的第 {step} 步。'],
  },
  request_approved: {
    subject: ['Your request was approved', '您的申请已获批准'],
    body: ['Your request for {model} (#{requestId}) was approved and a unit is set aside for you.', '您的 {model} 申请（#{requestId}）已获批准，已为您预留一台。'],
  },
  request_backordered: {
    subject: ['Your request was approved and is on order', '您的申请已获批准，正在订货'],
    body: ['Your request for {model} (#{requestId}) was approved. None is in stock: it ships in about {days} days.', '您的 {model} 申请（#{requestId}）已获批准。目前无库存：预计约 {days} 天后发货。'],
  },
  request_rejected: {
    subject: ['Your request was rejected', '您的申请被拒绝'],
    body: ['{actor} rejected your request for {model} (#{requestId}): {reason}', '{actor} 拒绝了您的 {model} 申请（#{requestId}）：{reason}'],
  },
  request_cancelled: {
    subject: ['A request was cancelled', '申请已取消'],
    body: ['The request for {model} (#{requestId}) was cancelled by {actor}.', '{model} 申请（#{requestId}）已被 {actor} 取消。'],
  },
  request_ready: {
    subject: ['Your device is ready for pickup', '您的设备已可领取'],
    body: ['{model} (#{requestId}, asset {assetTags}) is ready for pickup at the IT help desk. Confirm receipt in the portal when you have it.', '{model}（#{requestId}，资产 {assetTags}）已可在 IT 服务台领取。收到后请在门户中确认。'],
  },
  request_shipped: {
    subject: ['Your device was shipped', '您的设备已寄出'],
    body: ['{model} (#{requestId}, asset {assetTags}) is on its way. Confirm receipt in the portal when it arrives.', '{model}（#{requestId}，资产 {assetTags}）已寄出。收到后请在门户中确认。'],
  },
  request_received: {
    subject: ['Device received', '设备已签收'],
    body: ['{requester} confirmed receipt of {model} (#{requestId}). It is now assigned to them.', '{requester} 已确认收到 {model}（#{requestId}），该设备现已分配给其本人。'],
  },
  approval_reminder: {
    subject: ['Reminder: a request waits for your approval', '提醒：有申请等待您审批'],
    body: ['The request #{requestId} from {requester} for {model} still waits for your decision.', '{requester} 的 {model} 申请（#{requestId}）仍在等待您的决定。'],
  },
  approval_escalated: {
    subject: ['A request was escalated to you', '有申请已上报给您'],
    body: ['{approver} did not decide request #{requestId} ({requester}, {model}) in time. You may decide it now.', '{approver} 未能按时处理申请 #{requestId}（{requester}，{model}）。现在可由您决定。'],
  },
  device_report: {
    subject: ['A device report was filed', '收到设备报告'],
    body: ['{reporter} reported {reportKind} for asset {assetTag}: {description}', '{reporter} 就资产 {assetTag} 提交了报告（{reportKind}）：{description}'],
  },
};

function fill(text: string, params: NotificationParams): string {
  // Mail is plain text: values are inserted as they are, and a line break in one cannot add headers.
  return text.replace(/\{(\w+)\}/g, (_, key: string) => String(params[key] ?? '').replace(/[\r\n]+/g, ' '));
}

export function notificationMail(to: string, kind: NotificationKind, params: NotificationParams, link: string, company: string): OutgoingMail {
  const t = TEXT[kind];
  return bilingual(
    `notification_${kind}`,
    to,
    [`${t.subject[0]}`, t.subject[1]],
    [`${fill(t.body[0], params)}\n\n${link}\n\n${company} IT portal`, `${fill(t.body[1], params)}\n\n${link}\n\n${company} IT 门户`],
  );
}

/**
 * The short text of a push (lock screens show it): the English subject and first sentence. Push
 * has no room for two languages; the app it opens is in the person's own.
 */
export function notificationPush(kind: NotificationKind, params: NotificationParams): { title: string; body: string } {
  const t = TEXT[kind];
  return { title: t.subject[0], body: fill(t.body[0], params).slice(0, 200) };
}
