import DOMPurify, { type DOMPurify as Purifier } from 'dompurify';

let purifier: Purifier | null = null;

/**
 * A search snippet for v-html. The server sends escaped text with <mark> around the hits; this
 * keeps <mark> and nothing else (no attributes), so a snippet of an article that quotes
 * `<img onerror=…>` is text whatever the server or the offline index sent.
 */
export function safeSnippet(snippet: string): string {
  purifier ??= DOMPurify(window);
  return purifier.sanitize(snippet, { ALLOWED_TAGS: ['mark'], ALLOWED_ATTR: [], KEEP_CONTENT: true });
}
