// @ts-nocheck -- the knowledge-base benchmark corpus generator, kept in its original terse form and
// algorithm (only `resetSeed` added); the server's search benchmark (kb.ts) and the offline
// index's (kb-offline.ts) both run on it, so their figures compare.
/**
 * Deterministic IT knowledge-base corpus and query log for search benchmarks (~15% Simplified
 * Chinese): `article(i)` gives `{id, title, body, locale}`; `queryLog(n)` a long-tail log of words,
 * phrases, prefixes, typos and Chinese. One seeded generator drives both, so call `resetSeed()`
 * before generating to get the same corpus every run.
 */
let seed = 42; // mulberry32
export function resetSeed(value = 42) { seed = value; }
const rnd = () => { seed = (seed + 0x6d2b79f5) | 0; let t = Math.imul(seed ^ (seed >>> 15), 1 | seed); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
const pick = (a) => a[Math.floor(rnd() * a.length)];
const zipf = (a) => a[Math.min(a.length - 1, Math.floor(a.length * Math.pow(rnd(), 2.2)))];
const topics = ['VPN', 'Wi-Fi', 'printer', 'Outlook', 'multi-factor authentication', 'password', 'laptop', 'monitor', 'docking station', 'Teams', 'Zoom', 'Slack', 'SharePoint', 'OneDrive', 'Adobe Acrobat', 'software license', 'access badge', 'mobile phone', 'Android', 'iPhone', 'BitLocker', 'disk encryption', 'backup', 'file restore', 'proxy', 'certificate', 'Chrome', 'Edge', 'Firefox', 'Git', 'SSH key', 'Jira', 'Confluence', 'expense tool', 'shared drive', 'network drive', 'DNS', 'Ethernet', 'Bluetooth headset', 'webcam', 'microphone', 'keyboard', 'mouse', 'battery', 'USB-C charger', 'HDMI adapter', 'graphics driver', 'Windows update', 'macOS update', 'antivirus', 'phishing email', 'spam filter', 'calendar', 'meeting room display', 'projector', 'voicemail', 'mobile hotspot', 'SIM card', 'remote desktop', 'service account'];
const zh = ['VPN', '无线网络', '打印机', '邮箱', '多因素认证', '密码', '笔记本电脑', '显示器', '扩展坞', '会议室', '投影仪', '证书', '浏览器', '驱动程序', '系统更新', '备份', '文件恢复', '钓鱼邮件', '垃圾邮件', '日历', '耳机', '摄像头', '麦克风', '键盘', '鼠标', '电池', '充电器', '共享盘', '远程桌面', '门禁卡'];
const problems = ['not connecting', 'keeps disconnecting', 'is slow', 'shows an error', 'will not start', 'asks for a password again', 'cannot be found', 'stopped working after an update', 'is locked', 'is out of date'];
const zhProblems = ['连不上', '经常断开', '很慢', '报错', '无法启动', '一直要求输入密码', '找不到', '更新后无法使用', '被锁定', '版本过旧'];
const verbs = ['set up', 'reset', 'install', 'connect', 'configure', 'remove', 'update', 'request', 'replace', 'troubleshoot'];
const platforms = ['Windows', 'macOS', 'Linux', 'iOS', 'Android', 'the web portal'];
const filler = 'the to and your a of in on for is you with this it that open click select settings then if from be can will at by or as menu window tab button screen device account sign first check again after before step network system'.split(' ');
const zhFiller = '的 了 在 是 我 你 请 点击 打开 设置 然后 如果 选择 菜单 窗口 按钮 屏幕 设备 账户 登录 首先 检查 再次 之后 之前 步骤 网络 系统'.split(' ');
// An article talks mostly about its own topic and a few related ones, like a real how-to.
function sentence(chinese, focus) { const n = 8 + Math.floor(rnd() * 14); const w = []; for (let i = 0; i < n; i++) w.push(rnd() < 0.2 ? (rnd() < 0.6 ? focus[0] : pick(focus)) : zipf(chinese ? zhFiller : filler)); return chinese ? w.join('') + '。' : w.join(' ') + '.'; }
export function article(i) {
  const chinese = rnd() < 0.15; const pool = chinese ? zh : topics; const t = pick(pool); const focus = [t, pick(pool), pick(pool), pick(pool)];
  const title = chinese ? (rnd() < 0.5 ? `如何${pick(['设置', '重置', '安装', '连接', '更新'])}${t}` : `${t}${pick(zhProblems)}怎么办`)
    : (rnd() < 0.5 ? `How to ${pick(verbs)} ${t} on ${pick(platforms)}` : `${t} ${pick(problems)}: troubleshooting`);
  const paras = 3 + Math.floor(rnd() * 6); const body = [];
  for (let p = 0; p < paras; p++) { const s = 2 + Math.floor(rnd() * 4); const ss = []; for (let k = 0; k < s; k++) ss.push(sentence(chinese, focus)); body.push(ss.join(chinese ? '' : ' ')); }
  return { id: i + 1, title, body: body.join('\n\n'), locale: chinese ? 'zh-CN' : 'en' };
}
export const queries = ['password', 'how to', 'vpn', 'vpn not connecting', 'printer error', 'outlook calendar', 'reset password windows', 'bluetooth headset', 'docking station monitor', 'certificate', 'prin', 'outl', 'pasword', 'vnp', 'bitlockr', 'teams microphone', 'ssh key git', 'shared drive access', '打印机', '重置密码', '无线网络连不上', '邮箱', 'VPN 连接', '笔记本电脑'];
// A long-tail query log (Zipf over distinct queries): words, phrases, prefixes, typos, Chinese, mixed.
export function queryLog(n) {
  const typo = (w) => { const i = 1 + Math.floor(rnd() * (w.length - 2)); return rnd() < 0.5 ? w.slice(0, i) + w.slice(i + 1) : w.slice(0, i) + w[i + 1] + w[i] + w.slice(i + 2); };
  const distinct = [...queries];
  for (const t of topics) { const l = t.toLowerCase(); distinct.push(l, `${l} ${pick(problems)}`, `${pick(verbs)} ${l}`, l.slice(0, 3 + Math.floor(rnd() * 3)), l.length > 4 ? typo(l) : l, `${l} ${pick(platforms).toLowerCase()}`); }
  for (const t of zh) distinct.push(t, `${t}${pick(zhProblems)}`, `如何${pick(['设置', '重置', '安装', '连接', '更新'])}${t}`);
  const fresh = () => { const r = rnd(); const t = pick(topics).toLowerCase();
    if (r < 0.5) return `${t} ${pick(problems).split(' ').slice(0, 1 + Math.floor(rnd() * 3)).join(' ')}`;
    if (r < 0.7) return typo(t.length > 4 ? t : t + 'ing') + ' ' + pick(platforms).toLowerCase();
    if (r < 0.85) return `${pick(zh)}${pick(zhProblems)}`;
    return `${pick(verbs)} ${t} ${pick(topics).toLowerCase().slice(0, 4)}`; };
  const out = []; for (let i = 0; i < n; i++) out.push(rnd() < 0.4 ? fresh() : distinct[Math.min(distinct.length - 1, Math.floor(distinct.length * Math.pow(rnd(), 1.6)))]);
  return out;
}
