/**
 * A deterministic, IT-flavoured knowledge-base corpus and query log for the search benchmark,
 * used when KB_CORPUS_GENERATOR does not name another generator module (one exporting
 * `article(i)` → {title, body, locale} and `queryLog(n)` → string[]). About 15% of articles are
 * Simplified Chinese; bodies repeat their subject among common filler words, like real how-tos;
 * the query log is long-tailed and mixes words, phrases, prefixes, typos, Chinese and mixed text.
 */

export interface CorpusArticle {
  title: string;
  body: string;
  locale: 'en' | 'zh-CN';
}

/** xorshift32 with a fixed seed: the same corpus on every run and machine. */
function generator(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

const SUBJECTS = (
  'VPN|Wi-Fi|printer|Outlook|MFA|password|laptop|monitor|dock|Teams|Zoom|Slack|SharePoint|OneDrive|Acrobat|licence|badge|' +
  'phone|Android|iPhone|BitLocker|encryption|backup|restore|proxy|certificate|Chrome|Edge|Firefox|Git|SSH key|Jira|' +
  'Confluence|expenses|shared drive|DNS|Ethernet|headset|webcam|microphone|keyboard|mouse|battery|charger|HDMI|driver|' +
  'Windows update|macOS update|antivirus|phishing|spam|calendar|projector|voicemail|hotspot|SIM|remote desktop|scanner'
).split('|');
const ZH_SUBJECTS = '无线网络|打印机|邮箱|多因素认证|密码|笔记本电脑|显示器|扩展坞|会议室|投影仪|证书|浏览器|驱动程序|系统更新|备份|文件恢复|钓鱼邮件|日历|耳机|摄像头|麦克风|键盘|鼠标|充电器|共享盘|远程桌面|门禁卡|扫描仪'.split('|');
const TROUBLES = ['does not connect', 'drops every few minutes', 'is very slow', 'shows an error', 'does not start', 'keeps asking to sign in', 'is missing', 'broke after an update', 'is locked', 'needs an update'];
const ZH_TROUBLES = ['连不上', '总是断开', '非常慢', '报错', '打不开', '反复要求登录', '不见了', '更新后坏了', '被锁了', '需要更新'];
const ACTIONS = ['set up', 'reset', 'install', 'connect', 'configure', 'remove', 'update', 'request', 'replace', 'fix'];
const ZH_ACTIONS = ['设置', '重置', '安装', '连接', '更新', '申请'];
const SYSTEMS = ['Windows', 'macOS', 'Linux', 'iOS', 'Android', 'the portal'];
const COMMON = 'the a to and of you your in on for is with this it then open select choose click tap menu settings window screen account device sign check again step network system first after before if'.split(' ');
const ZH_COMMON = '的 了 在 是 请 您 点击 打开 设置 然后 如果 选择 菜单 窗口 屏幕 设备 账户 登录 先 检查 再 之后 之前 步骤 网络 系统'.split(' ');

const pick = <T>(rnd: () => number, list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
/** Skewed towards the start of the list: a few filler words are very common, most are rare. */
const skewed = <T>(rnd: () => number, list: readonly T[]): T => list[Math.floor(list.length * rnd() ** 2.5)]!;

/** Article i (0-based); independent of other articles, so any slice can be generated alone. */
export function article(i: number): CorpusArticle {
  const rnd = generator(0x9e3779b9 ^ Math.imul(i + 1, 2654435761));
  const zh = rnd() < 0.15;
  const subjects = zh ? ZH_SUBJECTS : SUBJECTS;
  const main = pick(rnd, subjects);
  const about = [main, pick(rnd, subjects), pick(rnd, subjects)];
  const title = zh
    ? rnd() < 0.5
      ? `如何${pick(rnd, ZH_ACTIONS)}${main}`
      : `${main}${pick(rnd, ZH_TROUBLES)}怎么办`
    : rnd() < 0.5
      ? `How to ${pick(rnd, ACTIONS)} ${main} on ${pick(rnd, SYSTEMS)}`
      : `${main} ${pick(rnd, TROUBLES)}: what to do`;
  const paragraphs: string[] = [];
  const count = 3 + Math.floor(rnd() * 5);
  for (let p = 0; p < count; p++) {
    const sentences: string[] = [];
    for (let s = 2 + Math.floor(rnd() * 3); s > 0; s--) {
      const words: string[] = [];
      for (let w = 8 + Math.floor(rnd() * 12); w > 0; w--) {
        words.push(rnd() < 0.18 ? (rnd() < 0.6 ? main : pick(rnd, about)) : skewed(rnd, zh ? ZH_COMMON : COMMON));
      }
      sentences.push(zh ? words.join('') + '。' : words.join(' ') + '.');
    }
    paragraphs.push(sentences.join(zh ? '' : ' '));
  }
  return { title, body: paragraphs.join('\n\n'), locale: zh ? 'zh-CN' : 'en' };
}

/** A search log of n queries, long-tailed over distinct queries. */
export function queryLog(n: number): string[] {
  const rnd = generator(20261130);
  const typo = (word: string) => {
    const at = 1 + Math.floor(rnd() * (word.length - 2));
    return rnd() < 0.5 ? word.slice(0, at) + word.slice(at + 1) : word.slice(0, at) + word[at + 1] + word[at] + word.slice(at + 2);
  };
  const distinct: string[] = ['password', 'vpn', 'printer not working', 'outlook calendar', 'reset password', 'prin', 'outl', 'pasword', 'vnp', 'bitlockr', '打印机', '重置密码', '无线网络连不上', 'VPN 连接', 'how to'];
  for (const s of SUBJECTS) {
    const l = s.toLowerCase();
    distinct.push(l, `${l} ${pick(rnd, TROUBLES)}`, `${pick(rnd, ACTIONS)} ${l}`, l.slice(0, 2 + Math.floor(rnd() * 3)), l.length > 4 ? typo(l) : l);
  }
  for (const s of ZH_SUBJECTS) distinct.push(s, `${s}${pick(rnd, ZH_TROUBLES)}`, `如何${pick(rnd, ZH_ACTIONS)}${s}`);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    if (rnd() < 0.35) {
      const s = pick(rnd, SUBJECTS).toLowerCase();
      const r = rnd();
      out.push(r < 0.5 ? `${s} ${pick(rnd, TROUBLES).split(' ')[0]}` : r < 0.7 ? `${typo(s.length > 4 ? s : s + 'ing')} ${pick(rnd, SYSTEMS).toLowerCase()}` : r < 0.85 ? `${pick(rnd, ZH_SUBJECTS)}${pick(rnd, ZH_TROUBLES)}` : `${pick(rnd, ACTIONS)} ${s}`);
    } else out.push(distinct[Math.floor(distinct.length * rnd() ** 1.7)]!);
  }
  return out;
}
