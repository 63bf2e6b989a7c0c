/**
 * The terms the offline index is built and queried with. They must be the server's terms (so a
 * query finds offline what it finds online): English words lower-cased and NFKC-folded, and for
 * Chinese the dictionary words `Intl.Segmenter` finds plus every character bigram, so "重置密码"
 * matches "密码重置" and text without spaces still has terms to match.
 *
 * Provisional copy until the server's shared tokeniser lands; swap the body for its import then.
 */
const HAN = /\p{Script=Han}/u;
const WORD = /[\p{L}\p{N}]+/gu;

let segmenter: Intl.Segmenter | null | undefined;
function chineseSegmenter(): Intl.Segmenter | null {
  if (segmenter === undefined) segmenter = typeof Intl.Segmenter === 'function' ? new Intl.Segmenter('zh', { granularity: 'word' }) : null;
  return segmenter;
}

function hanTerms(run: string, out: string[]): void {
  const chars = [...run];
  if (chars.length === 1) {
    out.push(run);
    return;
  }
  for (let i = 0; i + 1 < chars.length; i += 1) out.push(chars[i]! + chars[i + 1]!);
  const seg = chineseSegmenter();
  if (!seg) return;
  for (const part of seg.segment(run)) {
    const word = part.segment;
    // Two-character words are already bigrams; longer ones ("打印机") add a whole-word term.
    if (part.isWordLike && [...word].length > 2) out.push(word);
  }
}

/** The search terms of a text, in order, duplicates kept (term frequency matters to ranking). */
export function kbTerms(text: string): string[] {
  const out: string[] = [];
  const folded = text.normalize('NFKC').toLowerCase();
  for (const match of folded.matchAll(WORD)) {
    const word = match[0];
    if (!HAN.test(word)) {
      out.push(word);
      continue;
    }
    // Split a mixed run ("vpn连接") into its Han and non-Han parts.
    let han = '';
    let other = '';
    for (const ch of word) {
      if (HAN.test(ch)) {
        if (other) out.push(other);
        other = '';
        han += ch;
      } else {
        if (han) hanTerms(han, out);
        han = '';
        other += ch;
      }
    }
    if (han) hanTerms(han, out);
    if (other) out.push(other);
  }
  return out;
}
