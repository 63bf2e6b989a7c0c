import type { Locale } from '../../i18n/locales';

/**
 * The activation page's messages. Kept with the page (a lazy chunk) rather than in the catalogue
 * every first load carries: only a new hire, once, opens it. Merged by the page (see
 * useActivationMessages in ./views/ActivateView.vue).
 */
const en = {
  title: 'Activate your account',
  welcome: 'Welcome, {name}',
  opening: 'Opening your activation link…',
  intro: 'Choose the password for your new work account. You will use it to sign in from today on.',
  submit: 'Set my password',
  submitting: 'Setting your password…',
  missing: 'This link is incomplete. Open it again from the email.',
  expired: 'This link has expired or was already used. Ask HR or the help desk for a new one.',
  doneTitle: 'Your account is ready',
  doneBody: 'Your password is set. Sign in with your username and the new password.',
  yourUsername: 'Your username:',
  recoveryNext: 'After signing in, add a recovery email or an authenticator app, so you can reset your password yourself if you ever forget it.',
  signIn: 'Sign in',
};

export const activationMessages: Record<Locale, typeof en> = {
  en,
  'zh-CN': {
    title: '激活您的账户',
    welcome: '欢迎，{name}',
    opening: '正在打开您的激活链接…',
    intro: '为您的新工作账户设置密码。从今天起，您将用它登录。',
    submit: '设置我的密码',
    submitting: '正在设置密码…',
    missing: '此链接不完整。请从邮件中重新打开。',
    expired: '此链接已过期或已被使用。请向人力资源或服务台索取新链接。',
    doneTitle: '您的账户已就绪',
    doneBody: '密码已设置。请用您的用户名和新密码登录。',
    yourUsername: '您的用户名：',
    recoveryNext: '登录后，请添加恢复邮箱或身份验证器应用，这样忘记密码时可以自行重置。',
    signIn: '登录',
  },
  'zh-TW': {
    title: '啟用您的帳戶',
    welcome: '歡迎，{name}',
    opening: '正在開啟您的啟用連結…',
    intro: '為您的新工作帳戶設定密碼。從今天起，您將用它登入。',
    submit: '設定我的密碼',
    submitting: '正在設定密碼…',
    missing: '此連結不完整。請從郵件中重新開啟。',
    expired: '此連結已過期或已使用過。請向人力資源或服務台索取新連結。',
    doneTitle: '您的帳戶已就緒',
    doneBody: '密碼已設定。請用您的使用者名稱和新密碼登入。',
    yourUsername: '您的使用者名稱：',
    recoveryNext: '登入後，請新增復原電子郵件或驗證器應用程式，這樣忘記密碼時可以自行重設。',
    signIn: '登入',
  },
};
