import { describe, expect, it } from 'vitest';
import { parseTags } from '../../web/src/features/kb-authoring/form.js';
import { markdownToUnsafeHtml, TOC_MIN_HEADINGS, wantsToc } from '../../web/src/features/kb/markdown.js';

// The renderer's first layer (markdown-it). DOMPurify, the second layer, needs a browser: the
// end-to-end tests (tests/e2e/kb.test.ts) check the sanitised page and preview.
describe('article Markdown', () => {
  it('prints raw HTML as text: a <script> or <img onerror> in an article is never markup', () => {
    const { html } = markdownToUnsafeHtml('Hi <script>alert(1)</script> and <img src=x onerror=alert(1)>\n\n<svg onload=alert(1)>');
    expect(html).not.toMatch(/<script|<img|<svg/i);
    expect(html).toContain('&lt;script&gt;');
  });

  it('does not make links of javascript:, vbscript: or data: addresses, nor SVG data images', () => {
    const { html } = markdownToUnsafeHtml(
      '[a](javascript:alert(1)) [b](JAVASCRIPT:alert(1)) [c](vbscript:x) [d](data:text/html,x) ![e](data:image/svg+xml;base64,PHN2Zz4=)',
    );
    expect(html).not.toMatch(/href=|src=/);
  });

  it('gives headings unique, prefixed ids (also in Chinese) and lists level 2 and 3 in the table of contents', () => {
    const { html, toc } = markdownToUnsafeHtml('# Title\n\n## Connect\n\n### Windows\n\n## Connect\n\n## 重置 密码\n\n#### Deep');
    expect(toc).toEqual([
      { id: 'kb-connect', text: 'Connect', level: 2 },
      { id: 'kb-windows', text: 'Windows', level: 3 },
      { id: 'kb-connect-2', text: 'Connect', level: 2 },
      { id: 'kb-重置-密码', text: '重置 密码', level: 2 },
    ]);
    expect(html).toContain('<h2 id="kb-connect-2">');
    expect(wantsToc({ html, toc })).toBe(true);
    expect(wantsToc({ html, toc: toc.slice(0, TOC_MIN_HEADINGS - 1) })).toBe(false);
  });

  it('styles quotes that open with Note: or Warning: (or 注意：) as callouts, and leaves other quotes alone', () => {
    const { html } = markdownToUnsafeHtml('> **Note:** a\n\n> **Warning:** b\n\n> **注意：** c\n\n> plain **Note:** d');
    expect(html.match(/class="callout callout--note"/g)).toHaveLength(2);
    expect(html.match(/class="callout callout--warning"/g)).toHaveLength(1);
    expect(html.match(/<blockquote>/g)).toHaveLength(1);
  });

  it('wraps tables so a wide one scrolls inside the article on a phone', () => {
    const { html } = markdownToUnsafeHtml('| a | b |\n|---|---|\n| 1 | 2 |');
    expect(html).toMatch(/^<div class="table-scroll"><table class="table">/);
  });
});

describe('article tags as typed', () => {
  it('splits on commas (also Chinese ones and 、), trims and drops repeats', () => {
    expect(parseTags(' vpn, wifi ，打印机、 vpn ,, ')).toEqual(['vpn', 'wifi', '打印机']);
  });
});
