/**
 * Knowledge-base text handling shared by the server's search (SQLite FTS5, PostgreSQL) and the
 * offline index in the browser, so both find the same articles for the same words.
 *
 * Decisions, and why:
 * - Normalise with NFKC (full-width letters, compatibility forms) and lower case, and fold
 *   Traditional Chinese characters to Simplified through a table of common IT vocabulary, so
 *   "網路" finds "网络" and the other way round.
 * - English words are cut at anything that is not a letter or digit, lightly stemmed (plural
 *   "-s/-es/-ies" only: "printers" → "printer", never the over-eager Porter cuts that make typo
 *   matching and prefixes unpredictable), and a short list of stop words is dropped on both sides.
 * - Chinese/Japanese/Korean runs become overlapping character bigrams, plus single characters in
 *   the index so a one-character query still finds something. Not `Intl.Segmenter` words: its
 *   dictionary differs between ICU versions (Node's and each browser's), and the server and the
 *   offline index must cut text identically; bigrams are deterministic and need no dictionary,
 *   and a query's bigrams all appear in any text that contains the query.
 * - Markdown is reduced to its visible text before indexing (no URLs, no markup).
 * - Snippets escape every character of the article and add only `<mark>` around hits.
 */

/** One token kind: a word (Latin script, digits) or a CJK n-gram. Typo tolerance applies to words only. */
export type KbTokenKind = 'word' | 'cjk';

/** Stop words: too common to tell articles apart; dropped from index and query alike. */
export const KB_STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a an and are as at be but by can do does for from has have i if in into is it its me my no not of on or our ' +
    'so than that the their them then there these they this to was we were what when where which who why will ' +
    'with you your'
  ).split(' '),
);

// Traditional → Simplified for characters common in IT articles (pairs: traditional, simplified).
const T2S_PAIRS =
  '網网連连線线設设碼码帳帐號号電电腦脑機机無无資资訊讯軟软體体檔档開开關关閉闭啟启動动驅驱錯错誤误請请點点擊击擇择單单視视' +
  '螢萤裝装備备戶户錄录檢检後后驟骤統统復复還还釣钓魚鱼郵邮曆历歷历麥麦風风鍵键盤盘遠远門门證证書书瀏浏覽览顯显擴扩塢坞' +
  '會会議议儀仪認认筆笔記记經经斷断報报鎖锁舊旧過过時时問问題题處处權权應应務务雲云數数據据庫库驗验憑凭語语圖图標标頁页' +
  '簡简員员個个們们這这為为麼么嗎吗與与從从對对將将該该讓让給给發发態态狀状況况運运輸输載载傳传頭头鏈链結结夾夹紙纸掃扫' +
  '複复製制貼贴寬宽頻频強强訂订閱阅購购買买費费價价錢钱賬账協协補补級级異异響响聲声話话導导幫帮創创刪删擁拥專专屬属組组' +
  '織织團团隊队職职離离區区戲戏隱隐護护衛卫測测試试鐘钟週周歸归紀纪讀读寫写憶忆邊边雙双鑰钥續续觀观類类別别籤签簽签歡欢' +
  '龍龙蘋苹樣样場场兩两條条圍围業业實实際际環环積积極极優优質质鏡镜邏逻輯辑範范戰战亂乱竊窃詐诈騙骗險险盜盗殺杀掛挂較较' +
  '轉转換换聯联繫系係系綁绑綠绿紅红藍蓝黃黄頂顶層层顆颗勞劳臺台灣湾華华國国識识註注冊册許许閒闲鐵铁銷销錶表針针長长閘闸' +
  '間间陣阵陽阳隨随雜杂難难靈灵順顺預预領领額额飛飞館馆馬马髮发鬧闹鳥鸟齊齐齒齿線线態态戶户圖图碟碟驟骤擊击鈕钮選选項项' +
  '頻频帶带寬宽訪访問问遺遗忘忘碼码證证僅仅儲储存存盤盘碩硕壞坏損损嚴严禁禁陸陆錄录啓启啟启辦办公公隻只臺台機机離离線线' +
  '裡里裏里麽么麼么於于並并採采麵面憑凭據据號号誌志雜杂擬拟虛虚擬拟鬥斗們们撥拨聽听說说講讲談谈議议讀读認认識识謝谢證证' +
  '評评論论設设計计許许訊讯記记詞词試试詳详誤误請请諮咨調调變变讓让貨货購购費费資资賽赛趕赶車车軟软較较載载輕轻辦办農农' +
  '這这進进運运遠远適适選选還还邊边郵邮鄉乡醫医釋释鋼钢錄录錯错鍵键長长閃闪開开閒闲間间閱阅關关陳陈險险隱隐雙双雜杂雞鸡' +
  '電电靜静響响頁页頂顶項项須须頓顿預预領领頭头題题顏颜願愿類类顯显風风飛飞飯饭驗验體体點点齡龄';
const T2S: ReadonlyMap<string, string> = (() => {
  const map = new Map<string, string>();
  const chars = [...T2S_PAIRS];
  for (let i = 0; i + 1 < chars.length; i += 2) if (chars[i] !== chars[i + 1]) map.set(chars[i]!, chars[i + 1]!);
  return map;
})();

/** Whether a code point belongs to a script written without spaces (Han, Kana, Hangul, CJK symbols excluded). */
export function isCjkChar(ch: string): boolean {
  if (ch.charCodeAt(0) < 0x1100) return false; // Latin, Greek, Cyrillic, …: the common case, no regex
  return /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u.test(ch);
}

/**
 * NFKC, lower case, Traditional → Simplified. Maps code point by code point so a position in the
 * result matches a position in the input (snippets rely on it): compatibility forms that expand
 * to several characters keep only their first (e.g. "ﬁ" → "f"), which is harmless for search.
 */
export function normalizeChar(ch: string): string {
  // Most text is ASCII: skip Unicode normalisation for it (snippets call this for every character).
  if (ch.length === 1 && ch.charCodeAt(0) < 128) return ch.toLowerCase();
  let known = CHAR_CACHE.get(ch);
  if (known === undefined) {
    const n = ch.normalize('NFKC').toLowerCase();
    const first = [...n][0] ?? '';
    known = T2S.get(first) ?? first;
    if (CHAR_CACHE.size < 20_000) CHAR_CACHE.set(ch, known);
  }
  return known;
}
const CHAR_CACHE = new Map<string, string>();

/** Normalise a whole string for search (lengths may change; use normalizeChar for position mapping). */
export function normalizeText(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFKC').toLowerCase()) out += T2S.get(ch) ?? ch;
  return out;
}

/** A light, predictable English stemmer: plural endings only. */
export function stemWord(word: string): string {
  if (word.length <= 3 || /\d/.test(word)) return word;
  if (word.endsWith('ies') && word.length > 4) return word.slice(0, -3) + 'y';
  if (/(?:ss|us|is)$/.test(word)) return word;
  if (/(?:sh|ch|x|ss|zz)es$/.test(word)) return word.slice(0, -2);
  if (word.endsWith('s') && !word.endsWith("'s")) return word.slice(0, -1);
  return word;
}

const WORD_CHAR = /[\p{L}\p{N}]/u;

/** A run of text of one kind, as found in the input. */
interface Run {
  kind: KbTokenKind;
  text: string;
}

/** Splits normalised text into word runs and CJK runs; everything else separates. */
function runs(normalized: string): Run[] {
  const out: Run[] = [];
  let current: Run | null = null;
  for (const ch of normalized) {
    const kind: KbTokenKind | null = isCjkChar(ch) ? 'cjk' : WORD_CHAR.test(ch) ? 'word' : null;
    if (kind && current && current.kind === kind) current.text += ch;
    else {
      if (current) out.push(current);
      current = kind ? { kind, text: ch } : null;
    }
  }
  if (current) out.push(current);
  return out;
}

/** Longest word indexed: longer "words" are hashes, keys or base64 and only bloat the vocabulary. */
export const KB_MAX_WORD = 40;

/** Character bigrams of a CJK run (the run itself when it is one character). */
export function cjkBigrams(run: string): string[] {
  const chars = [...run];
  if (chars.length === 1) return chars;
  const out: string[] = [];
  for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i]! + chars[i + 1]!);
  return out;
}

/**
 * The terms a text is indexed under, in order, duplicates kept (term frequency matters):
 * stemmed words without stop words, CJK bigrams and CJK single characters.
 */
export function indexTokens(text: string): string[] {
  const out: string[] = [];
  const normalized = normalizeText(text);
  for (const run of runs(normalized)) {
    if (run.kind === 'word') {
      if (run.text.length > KB_MAX_WORD || KB_STOP_WORDS.has(run.text)) continue;
      out.push(stemWord(run.text));
    } else {
      const chars = [...run.text];
      if (chars.length > 1) out.push(...cjkBigrams(run.text));
      out.push(...chars);
    }
  }
  // Hyphenated compounds are also indexed joined ("Wi-Fi" → wi, fi and wifi; "e-mail" → email),
  // so people who type them without the hyphen find them too.
  for (const match of normalized.matchAll(/(?<![\p{L}\p{N}-])[a-z0-9]+(?:-[a-z0-9]+)+(?![\p{L}\p{N}])/gu)) {
    const joined = match[0].replace(/-/g, '');
    if (joined.length <= KB_MAX_WORD) out.push(stemWord(joined));
  }
  return out;
}

/** One thing the query asks for: every group must match (AND); a group matches if any variant does. */
export interface KbQueryTerm {
  /** The normalised (and stemmed) term as typed. */
  term: string;
  kind: KbTokenKind;
  /**
   * The last word of a query still being typed: it also matches words it begins ("prin" →
   * "printer"). False when the query ends in a space or punctuation.
   */
  prefix: boolean;
  /** A word long enough for typo tolerance (edit distance 1): four or more letters, or three with no digits. */
  fuzzy: boolean;
}

/** How far readers' votes move an article's rank: up to this share either way (helpfulnessBoost). */
export const KB_BOOST_WEIGHT = 0.3;
/** Votes that count as much as the rest together: a few votes move a rank little. */
export const KB_BOOST_PRIOR = 5;

/**
 * A multiplier of an article's rank from readers' votes, the same in the server's search and the
 * offline index: up to +30% for helpful articles, down to −30% for unhelpful ones, 1 without votes.
 */
export function helpfulnessBoost(helpful: number, unhelpful: number): number {
  return 1 + (KB_BOOST_WEIGHT * (helpful - unhelpful)) / (helpful + unhelpful + KB_BOOST_PRIOR);
}

/** Longest query analysed; the rest is ignored (a search box is not a document). */
export const KB_MAX_QUERY_TERMS = 8;

/**
 * Analyses a search query into terms. Stop words are dropped unless the query is nothing else.
 * CJK runs give their bigrams (a single character stays one term), so "打印机连不上" needs
 * 打印 印机 机连 连不 不上; mixed text ("VPN 连接失败") gives both kinds.
 */
export function queryTerms(query: string): KbQueryTerm[] {
  const normalized = normalizeText(query);
  const found = runs(normalized);
  const endsOpen = found.length > 0 && normalized.length > 0 && WORD_CHAR.test([...normalized].at(-1)!);
  const terms: KbQueryTerm[] = [];
  const seen = new Set<string>();
  found.forEach((run, i) => {
    const last = i === found.length - 1 && endsOpen;
    if (run.kind === 'word') {
      if (run.text.length > KB_MAX_WORD) return;
      if (KB_STOP_WORDS.has(run.text) && !last) return;
      // A prefix is matched as typed: "printers" → stem "printer" but "prin" stays "prin".
      const term = last ? run.text : stemWord(run.text);
      if (KB_STOP_WORDS.has(term) && !last) return;
      if (seen.has(term)) return;
      seen.add(term);
      terms.push({ term, kind: 'word', prefix: last, fuzzy: term.length >= 4 || (term.length === 3 && !/\d/.test(term)) });
    } else {
      for (const gram of cjkBigrams(run.text)) {
        if (seen.has(gram)) continue;
        seen.add(gram);
        terms.push({ term: gram, kind: 'cjk', prefix: false, fuzzy: false });
      }
    }
  });
  // A query of only stop words ("how to") would match everything: keep it empty instead. A stop
  // word being typed after other words ("spam is") is most likely the start of a phrase, not a
  // prefix worth completing: it would only make the query slower and no better.
  const kept = terms.filter((t) => !(t.kind === 'word' && KB_STOP_WORDS.has(t.term) && !t.prefix));
  const last = kept.at(-1);
  if (kept.length > 1 && last?.prefix && KB_STOP_WORDS.has(last.term)) kept.pop();
  return kept.slice(0, KB_MAX_QUERY_TERMS);
}

/**
 * The salient terms of a longer free text (a problem description) for suggestions: the distinct
 * terms, rarest-looking first is left to the server (it knows document frequencies); here only
 * the analysis: no prefixes (the person may still be typing, but a half word in a long text says
 * little), at most `max` terms.
 */
export function textTerms(text: string, max = 24): KbQueryTerm[] {
  const seen = new Set<string>();
  const out: KbQueryTerm[] = [];
  for (const run of runs(normalizeText(text))) {
    const grams = run.kind === 'word' ? [stemWord(run.text)] : cjkBigrams(run.text);
    for (const term of grams) {
      if (run.kind === 'word' && (KB_STOP_WORDS.has(run.text) || term.length < 2 || term.length > KB_MAX_WORD)) continue;
      if (seen.has(term)) continue;
      seen.add(term);
      out.push({ term, kind: run.kind, prefix: false, fuzzy: run.kind === 'word' && term.length >= 5 });
      if (out.length >= max) return out;
    }
  }
  return out;
}

/** Optimal string alignment distance (Levenshtein plus adjacent transposition), stopping past `max`. */
export function editDistance(a: string, b: string, max = 2): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const n = b.length;
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = new Array<number>(n + 1);
    cur[0] = i;
    let rowMin = cur[0];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[n]!;
}

/**
 * The single-deletion neighbourhood of a word (SymSpell): two words within edit distance 1
 * (insert, delete, substitute, swap neighbours) always share one of these keys, so typo
 * candidates come from an index lookup, never from scanning the vocabulary.
 */
export function deletionKeys(word: string): string[] {
  const keys = new Set<string>([word]);
  for (let i = 0; i < word.length; i++) keys.add(word.slice(0, i) + word.slice(i + 1));
  return [...keys];
}

/**
 * The visible text of a Markdown document, for indexing and snippets: no markup, no link
 * targets or image URLs, no HTML tags; code is kept (people search for error messages).
 */
export function markdownToText(markdown: string): string {
  return (
    markdown
      .replace(/\r\n?/g, '\n')
      // HTML comments and tags: never visible text.
      .replace(/<!--[\s\S]*?-->/g, ' ')
      .replace(/<\/?[a-zA-Z][^>]*>/g, ' ')
      // Code fences: keep the code, drop the fence line and its language.
      .replace(/^\s*(```|~~~)[^\n]*$/gm, ' ')
      // Images: their alt text; links: their text.
      .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/\[([^\]]*)\]\[[^\]]*\]/g, '$1')
      .replace(/^\s*\[[^\]]+\]:\s*\S+.*$/gm, ' ')
      // Bare URLs say nothing a person searches for.
      .replace(/\bhttps?:\/\/\S+/g, ' ')
      // Block markers: headings, quotes, callouts, list bullets, numbers, table pipes and rules.
      .replace(/^\s{0,3}#{1,6}\s+/gm, '')
      .replace(/^\s*>+\s?(\[![a-z]+\]\s*)?/gim, '')
      .replace(/^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?/gm, '')
      .replace(/^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/gm, ' ')
      .replace(/^\s*(?:[-*_]\s*){3,}$/gm, ' ')
      .replace(/\|/g, ' ')
      // Inline emphasis and code marks.
      .replace(/(\*\*|__|~~|\*|`+)/g, '')
      .replace(/(^|\s)_(\S[^_]*)_(?=\s|$)/g, '$1$2')
      .replace(/[ \t]+/g, ' ')
      .replace(/\n{3,}/g, '\n\n')
      .trim()
  );
}

const HTML_SPECIAL = /[&<>"']/;
const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Escapes text for HTML content and attributes. */
export function escapeHtml(text: string): string {
  // Most text has nothing to escape: a test is cheaper than a replace that calls back.
  return HTML_SPECIAL.test(text) ? text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!) : text;
}

/** A span of the original text that matched, [start, end) in UTF-16 units. */
interface Hit {
  start: number;
  end: number;
}

/**
 * Where the query's terms occur in a text. Words match by stem (or as prefixes, for the term
 * being typed; and typo variants when given); CJK terms match their characters in sequence.
 *
 * Every search answer builds ten snippets, so this is on the hot path: text whose characters all
 * normalise to one UTF-16 unit each (all text but astral characters such as emoji) is normalised
 * into one string that keeps every position, and native regex and indexOf scans find the hits.
 * Other text takes the character-by-character walk, `findHitsByCharacter`, which gives the same
 * answer (a property test holds the two together).
 */
export function findHits(text: string, terms: readonly KbQueryTerm[], variants: readonly string[] = []): Hit[] {
  const ascii = !NON_ASCII.test(text);
  const normalized = ascii ? text.toLowerCase() : sameLengthNormalized(text);
  if (normalized === null) return findHitsByCharacter(text, terms, variants);
  const { words, prefixes, grams } = hitMatchers(terms, variants);
  // stemWord changes only words that end in "s" (plurals), and its regexes are the dearest test.
  const matches = (word: string) =>
    words.has(word) || prefixes.some((p) => word.startsWith(p)) || (word.endsWith('s') && words.has(stemWord(word)));
  // Each hit as one number, start * span + end: a typed array sorts them into text order natively,
  // where sorting hit objects with a comparator was a third of this function's time.
  const span = normalized.length + 1;
  const found: number[] = [];
  // Only words that start with a term can match: a word matching by stem starts with its stem
  // (plural endings only), save "policies" → "policy", which starts with "polic". So each needle
  // is looked for with indexOf (native, fast) and only the words it starts are tested, where
  // testing every word of the text was most of a snippet's cost.
  const isWord = ascii ? isAsciiWordChar : isWordUnit;
  for (const needle of needlesOf(words, prefixes)) {
    // The needle as a whole word is a hit without building the word (the common case).
    const whole = words.has(needle);
    for (let at = normalized.indexOf(needle); at >= 0; at = normalized.indexOf(needle, at + 1)) {
      if (at > 0 && isWord(normalized.charCodeAt(at - 1))) continue;
      let end = at + needle.length;
      while (end < normalized.length && isWord(normalized.charCodeAt(end))) end++;
      if ((whole && end === at + needle.length) || matches(normalized.slice(at, end))) found.push(at * span + end);
    }
  }
  // CJK terms are matched as they are written, wherever they are (CJK has no word boundaries).
  if (!ascii) {
    for (const gram of grams) {
      const needle = gram.join('');
      for (let at = normalized.indexOf(needle); at >= 0; at = normalized.indexOf(needle, at + 1))
        found.push(at * span + at + needle.length);
    }
  }
  const hits: Hit[] = [];
  for (const key of Float64Array.from(found).sort()) {
    const start = Math.floor(key / span);
    hits.push({ start, end: key - start * span });
  }
  return mergeHits(hits);
}

/**
 * What findHits looks for: each word and prefix, a final "y" dropped (see above), and none that
 * starts with another needle. A word the longer one starts also starts with the shorter one, at
 * the same place, and is tested whole either way: a prefix's completions ("vpn", "vpnclient",
 * "vpns") cost one scan of the text instead of one each.
 */
function needlesOf(words: ReadonlySet<string>, prefixes: readonly string[]): string[] {
  const candidates = [...new Set([...words, ...prefixes].map((t) => (t.length > 1 && t.endsWith('y') ? t.slice(0, -1) : t)))]
    .filter((t) => t.length > 0)
    .sort();
  const needles: string[] = [];
  for (const c of candidates) if (!needles.some((n) => c.startsWith(n))) needles.push(c);
  return needles;
}

const NON_ASCII = /[^\x00-\x7f]/;

/** a–z and 0–9 (lower case: the text is normalised first). */
function isAsciiWordChar(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 48 && code <= 57);
}

/**
 * Whether a unit of normalised text (BMP: sameLengthNormalized keeps no surrogates) is part of a
 * word: a letter or digit outside the CJK scripts (CJK is matched by its grams instead).
 */
function isWordUnit(code: number): boolean {
  if (code < 128) return isAsciiWordChar(code);
  let known = WORD_UNITS[code]!;
  if (known === 0) {
    // The character-by-character walk's test (findHitsByCharacter), remembered by code.
    const ch = String.fromCharCode(code);
    WORD_UNITS[code] = known = WORD_CHAR.test(ch) && !isCjkChar(ch) ? 1 : 2;
  }
  return known === 1;
}
/** isWordUnit's answers by code: 0 not asked yet, 1 a word unit, 2 not. */
const WORD_UNITS = new Uint8Array(0x10000);

/**
 * Non-ASCII text normalised character for character with every position kept, or null when that
 * cannot be. Works on UTF-16 units (no string per character: this runs over every snippet's text).
 */
function sameLengthNormalized(text: string): string | null {
  const units = new Uint16Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 128) units[i] = code >= 65 && code <= 90 ? code + 32 : code;
    else {
      const n = normalizedUnit(code);
      if (n < 0) return null;
      units[i] = n;
    }
  }
  return UTF16.decode(units);
}
/** Decodes a Uint16Array's units as they sit in memory (the platform's byte order). */
const UTF16 = new TextDecoder(new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 'utf-16le' : 'utf-16be');

/** normalizeChar of one BMP character by its code: the code of its one-unit result, or -1 (also for half of an astral character). */
function normalizedUnit(code: number): number {
  let known = UNIT_CACHE.get(code);
  if (known === undefined) {
    const n = code >= 0xd800 && code <= 0xdfff ? '' : normalizeChar(String.fromCharCode(code));
    known = n.length === 1 ? n.charCodeAt(0) : -1;
    if (UNIT_CACHE.size < 20_000) UNIT_CACHE.set(code, known);
  }
  return known;
}
const UNIT_CACHE = new Map<number, number>();

function hitMatchers(terms: readonly KbQueryTerm[], variants: readonly string[]) {
  const words = new Set<string>(variants);
  const prefixes: string[] = [];
  const grams: string[][] = [];
  for (const t of terms) {
    if (t.kind === 'word') {
      words.add(t.term);
      if (t.prefix) prefixes.push(t.term);
    } else grams.push([...t.term]);
  }
  return { words, prefixes, grams };
}

/** Merges touching hits (overlapping bigrams, adjacent CJK); `hits` ordered by start. */
function mergeHits(hits: readonly Hit[]): Hit[] {
  const merged: Hit[] = [];
  for (const h of hits) {
    const last = merged.at(-1);
    if (last && h.start <= last.end) last.end = Math.max(last.end, h.end);
    else merged.push({ ...h });
  }
  return merged;
}

/** findHits for any text: normalises character by character, remembering where each came from. */
export function findHitsByCharacter(text: string, terms: readonly KbQueryTerm[], variants: readonly string[] = []): Hit[] {
  const chars: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  let offset = 0;
  for (const ch of text) {
    chars.push(normalizeChar(ch));
    starts.push(offset);
    offset += ch.length;
    ends.push(offset);
  }
  const { words, prefixes, grams } = hitMatchers(terms, variants);
  const hits: Hit[] = [];
  let i = 0;
  while (i < chars.length) {
    const ch = chars[i]!;
    if (isCjkChar(ch)) {
      let matched = 0;
      for (const g of grams) {
        if (g.length > matched && g.every((c, k) => chars[i + k] === c)) matched = g.length;
      }
      if (matched) {
        hits.push({ start: starts[i]!, end: ends[i + matched - 1]! });
        i += Math.max(1, matched - 1); // overlapping bigrams join into one marked run
        continue;
      }
      i++;
    } else if (WORD_CHAR.test(ch)) {
      let j = i;
      let word = '';
      while (j < chars.length && WORD_CHAR.test(chars[j]!) && !isCjkChar(chars[j]!)) word += chars[j++];
      if (words.has(word) || words.has(stemWord(word)) || prefixes.some((p) => word.startsWith(p))) {
        hits.push({ start: starts[i]!, end: ends[j - 1]! });
      }
      i = j;
    } else i++;
  }
  return mergeHits(hits);
}

/** Wraps the hits of `text` in <mark>, escaping everything else; the result is safe as HTML. */
export function highlight(text: string, hits: readonly Hit[]): string {
  let out = '';
  let at = 0;
  for (const h of hits) {
    if (h.start < at) continue;
    out += escapeHtml(text.slice(at, h.start)) + '<mark>' + escapeHtml(text.slice(h.start, h.end)) + '</mark>';
    at = h.end;
  }
  return out + escapeHtml(text.slice(at));
}

/** How much of an article's visible text its search snippets are cut from. */
export const SNIPPET_SOURCE_CHARS = 2000;

/**
 * The text an article's snippets are cut from: the opening of its visible text (a snippet from
 * the first few thousand characters reads as well, and the cost stays bounded whatever the
 * article's size), whitespace folded. Kept by the server's index; made here so both agree.
 */
export function snippetSource(markdown: string): string {
  // The whole Markdown is reduced (this runs when an article is indexed, not per search): cut
  // first, a link or tag cut in half would show as raw syntax.
  return snippetSourceOfText(markdownToText(markdown));
}

/** snippetSource for an article whose visible text (markdownToText) is at hand already. */
export function snippetSourceOfText(visibleText: string): string {
  const text = visibleText.replace(/\s+/g, ' ').trim();
  if (text.length <= SNIPPET_SOURCE_CHARS) return text;
  // Never half of a surrogate pair at the cut.
  const end = /[\uD800-\uDBFF]/.test(text[SNIPPET_SOURCE_CHARS - 1]!) ? SNIPPET_SOURCE_CHARS - 1 : SNIPPET_SOURCE_CHARS;
  return text.slice(0, end);
}

/** How much of a text buildSnippet first looks for hits in (see there). */
const SNIPPET_FIRST_LOOK = 1000;

/**
 * A snippet of about `length` characters of `text` (plain text, e.g. from markdownToText) around
 * the densest cluster of hits, as safe HTML with <mark> around hits and "…" where cut.
 */
export function buildSnippet(
  text: string,
  terms: readonly KbQueryTerm[],
  options: { length?: number; variants?: readonly string[]; folded?: boolean } = {},
): string {
  const length = options.length ?? 160;
  // Long articles: look for hits in the opening part only (a snippet from the first few
  // thousand characters reads as well, and the cost stays bounded whatever the article's size).
  // Whitespace folded, unless it comes folded (`folded`: snippetSource's text, which the server
  // keeps), where the scan would find nothing to replace.
  const opening = text.slice(0, 6000);
  const flat = options.folded ? opening : opening.replace(/\s\s+|[^\S ]/g, ' ').trim();
  // The window is chosen among the hits of the first SNIPPET_FIRST_LOOK characters (cut at a
  // space, so no word is cut into a false hit) when there are any, the rest searched only when
  // not: an opening with the query's words reads as well as a denser passage further on, and the
  // hits are most of a snippet's cost (the benchmark's: ~30% less).
  const space = flat.lastIndexOf(' ', SNIPPET_FIRST_LOOK);
  const firstLook = flat.length <= SNIPPET_FIRST_LOOK ? flat : flat.slice(0, space > SNIPPET_FIRST_LOOK - 100 ? space : SNIPPET_FIRST_LOOK);
  let hits = findHits(firstLook, terms, options.variants);
  if (!hits.length && firstLook.length < flat.length) hits = findHits(flat, terms, options.variants);
  if (flat.length <= length) return highlight(flat, hits);
  let start = 0;
  if (hits.length) {
    // The window starting a little before some hit that covers the most hits. Hits come in text
    // order and do not overlap (starts and ends both rise), so the hits inside a window are the
    // run between two pointers that only move forward: linear in the hits, where counting afresh
    // for each hit was quadratic (an article may name its topic a hundred times).
    let best = -1;
    let lo = 0;
    let hi = 0;
    for (const h of hits) {
      const from = Math.max(0, h.start - Math.floor(length / 4));
      while (lo < hits.length && hits[lo]!.start < from) lo++;
      while (hi < hits.length && hits[hi]!.end <= from + length) hi++;
      const count = Math.max(0, hi - lo);
      if (count > best) {
        best = count;
        start = from;
      }
    }
  }
  // Do not cut a word or a surrogate pair in half.
  if (start > 0) {
    const space = flat.lastIndexOf(' ', start);
    if (space >= 0 && start - space < 20) start = space + 1;
  }
  let end = Math.min(flat.length, start + length);
  if (end < flat.length) {
    const space = flat.indexOf(' ', end);
    if (space >= 0 && space - end < 20) end = space;
  }
  if (/[\uDC00-\uDFFF]/.test(flat[start] ?? '')) start++;
  if (/[\uD800-\uDBFF]/.test(flat[end - 1] ?? '')) end--;
  const piece = flat.slice(start, end);
  const inside = hits.filter((h) => h.start >= start && h.end <= end).map((h) => ({ start: h.start - start, end: h.end - start }));
  return (start > 0 ? '…' : '') + highlight(piece, inside) + (end < flat.length ? '…' : '');
}
