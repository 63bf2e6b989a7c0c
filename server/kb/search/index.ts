import type { SearchEngine } from './engine.js';
import { postgresEngine } from './postgres-engine.js';
import { sqliteEngine } from './sqlite-engine.js';

export type { SearchEngine } from './engine.js';
export { reindex, tagsOf, type IndexableArticle } from './indexer.js';
export { searchArticles, suggestArticles } from './search.js';

/** The search engine for a database dialect. */
export function searchEngineFor(kind: 'sqlite' | 'postgres'): SearchEngine {
  return kind === 'postgres' ? postgresEngine : sqliteEngine;
}
