import DOMPurify, { type DOMPurify as Purifier } from 'dompurify';
import MarkdownIt, { type Token } from 'markdown-it';

/**
 * The one Markdown renderer for articles: the article page, the authoring preview and the offline
 * reader all use it, so what an author previews is what a reader gets, online or not.
 *
 * Two layers, so a mistake in one is caught by the other: markdown-it with raw HTML off (a
 * `<script>` in the text is printed, not parsed), then DOMPurify over its output with a short
 * allow-list and URL rules of our own (links: http, https, mailto, tel, same-page and relative;
 * images: same origin, https, or a raster data: image).
 */

export interface TocEntry {
  id: string;
  text: string;
  level: 2 | 3;
}

export interface RenderedArticle {
  /** Sanitised HTML, safe for v-html. */
  html: string;
  /** Level 2 and 3 headings, in order. */
  toc: TocEntry[];
}

/** An article with at least this many sections gets a table of contents. */
export const TOC_MIN_HEADINGS = 3;

/** Heading ids carry a prefix so no heading can take the id of something on the page (DOM clobbering). */
const HEADING_ID_PREFIX = 'kb-';

/** Callouts: a blockquote that opens with **Note:** or **Warning:** (or their Chinese words). */
const CALLOUTS: Record<string, 'note' | 'warning'> = {
  note: 'note',
  tip: 'note',
  注意: 'note',
  提示: 'note',
  备注: 'note',
  備註: 'note',
  warning: 'warning',
  caution: 'warning',
  警告: 'warning',
};

const SAFE_LINK = /^(https?:|mailto:|tel:|#|\/(?!\/)|\.{1,2}\/|[^:/?#]+(?:[/?#]|$))/i;
const SAFE_DATA_IMAGE = /^data:image\/(png|jpe?g|gif|webp);base64,[a-z0-9+/=\s]+$/i;

function headingSlug(text: string): string {
  const base = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return base || 'section';
}

function inlineText(token: Token | undefined): string {
  if (!token?.children) return token?.content ?? '';
  return token.children.map((child) => (child.type === 'text' || child.type === 'code_inline' ? child.content : '')).join('');
}

const markdown = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false });

// Headings get ids (for the table of contents and shareable #links); callouts get a class.
markdown.core.ruler.push('portal_structure', (state) => {
  const used = new Map<string, number>();
  const tokens = state.tokens;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.type === 'heading_open') {
      const slug = headingSlug(inlineText(tokens[i + 1]));
      const seen = used.get(slug) ?? 0;
      used.set(slug, seen + 1);
      token.attrSet('id', `${HEADING_ID_PREFIX}${seen ? `${slug}-${seen + 1}` : slug}`);
    } else if (token.type === 'blockquote_open' && tokens[i + 1]?.type === 'paragraph_open') {
      // markdown-it may start the inline run with an empty text token.
      const children = (tokens[i + 2]?.children ?? []).filter((child) => !(child.type === 'text' && child.content === ''));
      if (children[0]?.type !== 'strong_open') continue;
      const word = (children[1]?.content ?? '').replace(/[:：]\s*$/, '').trim().toLowerCase();
      const kind = CALLOUTS[word];
      if (kind) {
        token.attrSet('class', `callout callout--${kind}`);
        token.attrSet('role', 'note');
      }
    }
  }
});

// Wide tables scroll inside their own box on a phone instead of widening the page.
markdown.renderer.rules.table_open = () => '<div class="table-scroll"><table class="table">\n';
markdown.renderer.rules.table_close = () => '</table></div>\n';

let purifier: Purifier | null = null;

function isSafeImage(src: string): boolean {
  if (SAFE_DATA_IMAGE.test(src)) return true;
  try {
    const url = new URL(src, window.location.href);
    return url.origin === window.location.origin || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Our own DOMPurify instance: its hooks must not change how anything else on the page is sanitised. */
function articlePurifier(): Purifier {
  if (purifier) return purifier;
  const instance = DOMPurify(window);
  instance.addHook('afterSanitizeAttributes', (node) => {
    if (node.tagName === 'A') {
      const href = node.getAttribute('href');
      if (href !== null && !SAFE_LINK.test(href.trim())) node.removeAttribute('href');
      else if (href !== null && /^https?:/i.test(href.trim())) node.setAttribute('rel', 'noopener noreferrer nofollow');
    }
    if (node.tagName === 'IMG') {
      const src = node.getAttribute('src');
      if (src === null || !isSafeImage(src.trim())) node.remove();
      else {
        node.setAttribute('loading', 'lazy');
        node.setAttribute('referrerpolicy', 'no-referrer');
      }
    }
  });
  purifier = instance;
  return instance;
}

const ALLOWED_TAGS = [
  'a', 'blockquote', 'br', 'code', 'del', 'div', 'em', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'img', 'li', 'ol', 'p',
  'pre', 's', 'strong', 'table', 'tbody', 'td', 'th', 'thead', 'tr', 'ul',
];
const ALLOWED_ATTR = ['href', 'src', 'alt', 'title', 'id', 'class', 'role', 'start', 'colspan', 'rowspan', 'rel', 'loading', 'referrerpolicy'];

/** Sanitises HTML made by the renderer (or anything else meant for an article body). */
export function sanitiseArticleHtml(html: string): string {
  return articlePurifier().sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR,
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
    // Our own URL rules run in the hook; DOMPurify's default check still applies first.
    ALLOW_UNKNOWN_PROTOCOLS: false,
  });
}

/**
 * The first layer alone: markdown-it's HTML (not yet sanitised; never put it on a page) and the
 * table of contents. Separate so its structure can be tested without a browser.
 */
export function markdownToUnsafeHtml(source: string): RenderedArticle {
  const env = {};
  const tokens = markdown.parse(source, env);
  const toc: TocEntry[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.type !== 'heading_open' || (token.tag !== 'h2' && token.tag !== 'h3')) continue;
    toc.push({ id: token.attrGet('id') ?? '', text: inlineText(tokens[i + 1]), level: token.tag === 'h2' ? 2 : 3 });
  }
  return { html: markdown.renderer.render(tokens, markdown.options, env), toc };
}

/** Markdown → sanitised HTML and its table of contents. */
export function renderMarkdown(source: string): RenderedArticle {
  const { html, toc } = markdownToUnsafeHtml(source);
  return { html: sanitiseArticleHtml(html), toc };
}

/** Whether a rendered article is long enough for a table of contents. */
export function wantsToc(article: RenderedArticle): boolean {
  return article.toc.length >= TOC_MIN_HEADINGS;
}
