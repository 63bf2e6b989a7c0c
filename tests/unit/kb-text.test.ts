/**
 * The tokenisation shared by server search and the offline index: the same text must give the
 * same terms everywhere, Chinese without spaces and mixed text must be found, and snippets must
 * be safe HTML whatever the article contains.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildSnippet,
  deletionKeys,
  editDistance,
  findHits,
  findHitsByCharacter,
  SNIPPET_SOURCE_CHARS,
  snippetSource,
  indexTokens,
  markdownToText,
  normalizeText,
  queryTerms,
  stemWord,
  textTerms,
} from '../../shared/kb-text.js';

describe('normalizeText', () => {
  it('lower-cases, applies NFKC and folds Traditional to Simplified', () => {
    expect(normalizeText('ＶＰＮ Setup')).toBe('vpn setup');
    expect(normalizeText('網路連線')).toBe('网路连线');
    expect(normalizeText('重設密碼')).toBe('重设密码');
  });
});

describe('stemWord', () => {
  it('removes plural endings only', () => {
    expect(stemWord('printers')).toBe('printer');
    expect(stemWord('policies')).toBe('policy');
    expect(stemWord('boxes')).toBe('box');
    expect(stemWord('access')).toBe('access');
    expect(stemWord('status')).toBe('status');
    expect(stemWord('printing')).toBe('printing');
  });
});

describe('indexTokens', () => {
  it('indexes English words without stop words, stemmed', () => {
    expect(indexTokens('How to connect the Printers')).toEqual(['how', 'connect', 'printer']);
  });

  it('indexes Chinese as bigrams plus single characters', () => {
    expect(indexTokens('重置密码')).toEqual(['重置', '置密', '密码', '重', '置', '密', '码']);
  });

  it('indexes mixed text as both kinds', () => {
    expect(indexTokens('VPN连接失败')).toEqual(['vpn', '连接', '接失', '失败', '连', '接', '失', '败']);
  });

  it('gives Traditional and Simplified text the same terms', () => {
    expect(indexTokens('重設密碼')).toEqual(indexTokens('重设密码'));
  });
});

describe('queryTerms', () => {
  it('marks the last word as a prefix while typing', () => {
    expect(queryTerms('reset pass')).toEqual([
      { term: 'reset', kind: 'word', prefix: false, fuzzy: true },
      { term: 'pass', kind: 'word', prefix: true, fuzzy: true },
    ]);
    expect(queryTerms('reset pass ').at(-1)!.prefix).toBe(false);
  });

  it('splits Chinese without spaces into bigrams that all occur in matching text', () => {
    const terms = queryTerms('打印机连不上').map((t) => t.term);
    expect(terms).toEqual(['打印', '印机', '机连', '连不', '不上']);
    const indexed = new Set(indexTokens('我的打印机连不上了'));
    expect(terms.every((t) => indexed.has(t))).toBe(true);
  });

  it('keeps a single Chinese character as a term', () => {
    expect(queryTerms('网').map((t) => t.term)).toEqual(['网']);
  });

  it('handles mixed text', () => {
    expect(queryTerms('VPN 连接失败').map((t) => [t.term, t.kind])).toEqual([
      ['vpn', 'word'],
      ['连接', 'cjk'],
      ['接失', 'cjk'],
      ['失败', 'cjk'],
    ]);
  });

  it('drops stop words but not the word being typed', () => {
    expect(queryTerms('how to reset the').map((t) => t.term)).toEqual(['how', 'reset']);
    expect(queryTerms('the').map((t) => t.term)).toEqual(['the']);
    expect(queryTerms('the and ')).toEqual([]);
  });
});

describe('textTerms', () => {
  it('picks distinct content words of a description', () => {
    expect(textTerms('My laptop cannot connect to the VPN since the update, VPN says error').map((t) => t.term)).toEqual([
      'laptop',
      'cannot',
      'connect',
      'vpn',
      'since',
      'update',
      'say',
      'error',
    ]);
  });
});

describe('typo tolerance helpers', () => {
  it('measures edit distance with transpositions', () => {
    expect(editDistance('vnp', 'vpn')).toBe(1);
    expect(editDistance('pasword', 'password')).toBe(1);
    expect(editDistance('outlok', 'outlook')).toBe(1);
    expect(editDistance('printer', 'pointer')).toBe(1);
    expect(editDistance('printer', 'monitor')).toBe(3);
    expect(editDistance('abc', 'xyz', 1)).toBe(2);
  });

  it('gives words one edit apart a shared deletion key', () => {
    for (const [typo, word] of [
      ['vnp', 'vpn'],
      ['pasword', 'password'],
      ['outlok', 'outlook'],
      ['bitlockr', 'bitlocker'],
      ['printre', 'printer'],
      ['wifj', 'wifi'],
    ] as const) {
      const keys = new Set(deletionKeys(word));
      expect(deletionKeys(typo).some((k) => keys.has(k)), `${typo} → ${word}`).toBe(true);
    }
  });
});

describe('markdownToText', () => {
  it('keeps visible text and drops markup and URLs', () => {
    const text = markdownToText(
      '# Reset\n\n1. Open **Settings** > [Accounts](https://x.example/a)\n2. Run `passwd`\n\n![screen](data:image/png;base64,AAA)\n\n> [!NOTE]\n> Call us\n\n| a | b |\n|---|---|\n| c | d |\n<script>alert(1)</script>',
    );
    expect(text).not.toMatch(/https|data:|<script|\*\*|#|\|/);
    expect(text).toContain('Open Settings > Accounts');
    expect(text).toContain('passwd');
    expect(text).toContain('screen');
    expect(text).toContain('Call us');
  });
});

describe('buildSnippet', () => {
  it('marks hits on escaped text', () => {
    const snippet = buildSnippet('Reset your <b>password</b> & sign in', queryTerms('password'));
    expect(snippet).toBe('Reset your &lt;b&gt;<mark>password</mark>&lt;/b&gt; &amp; sign in');
  });

  it('never lets markup through, whatever the text and query', () => {
    const nasty = '<img src=x onerror=alert(1)> <svg onload=alert(1)> "quoted" \'single\' password';
    const snippet = buildSnippet(nasty, queryTerms('img svg onerror password'));
    expect(snippet.replace(/<\/?mark>/g, '')).not.toMatch(/[<>"']/);
    expect(snippet).toContain('<mark>password</mark>');
  });

  it('marks Chinese hits and prefixes and typo variants', () => {
    expect(buildSnippet('如何重置密码', queryTerms('重置密码'))).toBe('如何<mark>重置密码</mark>');
    expect(buildSnippet('Printers on the network', queryTerms('prin'))).toBe('<mark>Printers</mark> on the network');
    expect(buildSnippet('Connect to the VPN', queryTerms('vnp'), { variants: ['vpn'] })).toBe('Connect to the <mark>VPN</mark>');
  });

  it('cuts long text around the hits', () => {
    const text = 'lorem '.repeat(100) + 'the printer is jammed ' + 'ipsum '.repeat(100);
    const snippet = buildSnippet(text, queryTerms('printer'), { length: 80 });
    expect(snippet.startsWith('…')).toBe(true);
    expect(snippet.endsWith('…')).toBe(true);
    expect(snippet).toContain('<mark>printer</mark>');
    expect(snippet.length).toBeLessThan(120);
  });

  it('takes the window from the opening when it has hits, and from further on when it has none', () => {
    const filler = 'lorem ipsum dolor '.repeat(80); // 1,440 characters
    const early = buildSnippet(`The printer is in room 4. ${filler} printer printer printer printer printer`, queryTerms('printer'));
    expect(early.startsWith('The <mark>printer</mark>')).toBe(true);
    expect(early.match(/<mark>/g)).toHaveLength(1);
    const late = buildSnippet(`${filler} the printer is jammed, printer tray open`, queryTerms('printer'));
    expect(late.startsWith('…')).toBe(true);
    expect(late.match(/<mark>printer<\/mark>/g)).toHaveLength(2);
  });

  it('skips folding whitespace for snippetSource text (the server keeps it folded) with the same result', () => {
    const words = fc.constantFrom('printer', 'Printers', 'VPN', '重置', '密码', '**tray**', '[lid](https://x.test)', '\u3000', '\u00a0', '\t', '\n\n', '  ', '#', '-');
    fc.assert(
      fc.property(fc.array(words, { maxLength: 400 }), fc.constantFrom('printer', 'vpn 重置', 'tra', '密码'), (parts, query) => {
        const source = snippetSource(parts.join(' '));
        const terms = queryTerms(query);
        expect(buildSnippet(source, terms, { folded: true, length: 80 })).toBe(buildSnippet(source, terms, { length: 80 }));
      }),
    );
  });
});

describe('hyphenated compounds', () => {
  it('are indexed as parts and joined', () => {
    expect(indexTokens('Wi-Fi and e-mail')).toEqual(['wi', 'fi', 'e', 'mail', 'wifi', 'email']);
  });
});

describe('findHits', () => {
  // Pieces that exercise every branch: ASCII words and plurals, accented and full-width letters,
  // Simplified and Traditional CJK, kana, an emoji (astral: the character-by-character walk).
  const pieces = ['vpn', 'VPN', 'printers', 'printer', 'prin', 'policies', 'Policy', 'boxes', 'x86s', 'Café', 'ＶＰＮ', 'wi-fi', 'x86', '重置', '密码', '重設密碼', '打印机', 'プリンタ', '😀', ' ', ', ', '\n', '…'];
  const text = fc.array(fc.constantFrom(...pieces), { maxLength: 30 }).map((p) => p.join(''));
  const query = fc.array(fc.constantFrom(...pieces.filter((p) => p.trim())), { minLength: 1, maxLength: 4 }).map((p) => p.join(' '));

  it('finds the same hits as the character-by-character walk, whatever the text', () => {
    fc.assert(
      fc.property(text, query, fc.array(fc.constantFrom('printer', 'cafe', 'vpn'), { maxLength: 2 }), (t, q, variants) => {
        expect(findHits(t, queryTerms(q), variants)).toEqual(findHitsByCharacter(t, queryTerms(q), variants));
      }),
      { numRuns: 500 },
    );
  });

  it('marks words by stem and prefix, and CJK terms as one run', () => {
    const text = 'Printers: 重置密码 then VPN';
    const hits = findHits(text, queryTerms('printer 重置密码 vp'));
    expect(hits.map((h) => text.slice(h.start, h.end))).toEqual(['Printers', '重置密码', 'VPN']);
  });
});

describe('snippetSource', () => {
  it('keeps the visible text with whitespace folded, and never cuts a character in half', () => {
    expect(snippetSource('# Title\n\nOpen   the **tray**,\n[lid](https://x.test) <b>now</b>.')).toBe('Title Open the tray, lid now .');
    const long = 'a'.repeat(SNIPPET_SOURCE_CHARS - 1) + '😀 tail';
    const cut = snippetSource(long);
    expect(cut).toBe('a'.repeat(SNIPPET_SOURCE_CHARS - 1));
    expect(snippetSource('b'.repeat(SNIPPET_SOURCE_CHARS + 50))).toHaveLength(SNIPPET_SOURCE_CHARS);
  });
});
