import { useI18n } from 'vue-i18n';
import { ApiError } from '../../api/errors';

/** Turns any failure into a sentence in the person's language, chosen by the API's error code. */
export function useErrorText(): (error: unknown) => string {
  const { t, te } = useI18n();
  return (error) => {
    if (!(error instanceof ApiError)) return t('errors.internal');
    if (error.code === 'rate_limited') {
      const minutes = Math.max(1, Math.ceil((error.retryAfterSeconds ?? 60) / 60));
      return t('errors.rate_limited', { minutes }, minutes);
    }
    const key = `errors.${error.code}`;
    // A code newer than this build's catalogue: the server's English sentence beats a bare key.
    return te(key) || te(key, 'en') ? t(key) : error.message || t('errors.internal');
  };
}
