/**
 * The knowledge base's API shapes come from shared/kb.ts (the server validates with the same
 * schemas); this adds what only the screens need.
 */
export type {
  KbAnalytics,
  KbArticle,
  KbArticleInput,
  KbArticleLink,
  KbArticleSummary,
  KbCategory,
  KbFeedbackAnswer,
  KbLocale,
  KbSearchAnswer,
  KbSearchResult,
  KbStatus,
  KbVersion,
} from '../../../../shared/kb';
export { KB_LOCALES, KB_STATUSES } from '../../../../shared/kb';

export interface KbSearchFilters {
  locale?: string;
  category?: string;
  limit?: number;
}
