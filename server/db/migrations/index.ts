import type { Migration } from 'kysely';
import * as foundation from './2026-11-24T0000-foundation.js';
import * as directoryPasswordHistory from './2026-11-24T0100-directory-password-history.js';
import * as passwordReset from './2026-11-24T0200-password-reset.js';
import * as jobs from './2026-11-29T0100-jobs.js';
import * as auditChain from './2026-11-29T0200-audit-chain.js';
import * as sessionRecheck from './2026-11-29T0300-session-recheck.js';
import * as sessionReauth from './2026-11-29T0400-session-reauth.js';
import * as keyedSecrets from './2026-11-29T0500-keyed-secrets.js';
import * as trustedDevices from './2026-11-29T0600-trusted-devices.js';
import * as recoveryFailuresByAddress from './2026-11-29T0700-recovery-failures-by-address.js';
import * as inventory from './2026-11-30T0100-inventory.js';
import * as idempotency from './2026-11-30T0200-idempotency.js';
import * as push from './2026-11-30T0300-push.js';
import * as deviceRequests from './2026-11-30T0400-device-requests.js';
import * as knowledgeBase from './2026-11-30T0500-knowledge-base.js';
import * as directoryLifecycle from './2026-12-01T0050-directory-lifecycle.js';
import * as onboarding from './2026-12-01T0100-onboarding.js';
import * as offboarding from './2026-12-01T0200-offboarding.js';
import * as scim from './2026-12-01T0300-scim.js';
import * as kbSearchSpeed from './2026-12-01T0500-kb-search-speed.js';
import * as requestsSpeed from './2026-12-01T0600-requests-speed.js';
import * as requestsFast from './2026-12-02T0100-requests-fast.js';
import * as kbSnippetText from './2026-12-02T0200-kb-snippet-text.js';
import * as kbGinPendingList from './2026-12-02T0300-kb-gin-pending-list.js';
import * as locks from './2026-12-02T0400-locks.js';
import * as kbTitleLength from './2026-12-02T0500-kb-title-length.js';
import * as kbFtsOrder from './2026-12-03T0100-kb-fts-order.js';
import * as kbArticleCount from './2026-12-04T0100-kb-article-count.js';
import * as kbResultIndex from './2026-12-04T0200-kb-result-index.js';
import * as kbChangeNotify from './2026-12-05T0100-kb-change-notify.js';
import * as kbTitlePages from './2026-12-06T0100-kb-title-pages.js';
import * as kbTitleTable from './2026-12-07T0100-kb-title-table.js';
import * as sessionAnnounce from './2026-12-08T0100-session-announce.js';

/**
 * Every migration, in order. Listed explicitly (not read from the file system) so the server
 * runs the same from source, from a bundle and in tests. Names sort by timestamp.
 */
export const migrations: Record<string, Migration> = {
  '2026-11-24T0000-foundation': foundation,
  '2026-11-24T0100-directory-password-history': directoryPasswordHistory,
  '2026-11-24T0200-password-reset': passwordReset,
  '2026-11-29T0100-jobs': jobs,
  '2026-11-29T0200-audit-chain': auditChain,
  '2026-11-29T0300-session-recheck': sessionRecheck,
  '2026-11-29T0400-session-reauth': sessionReauth,
  '2026-11-29T0500-keyed-secrets': keyedSecrets,
  '2026-11-29T0600-trusted-devices': trustedDevices,
  '2026-11-29T0700-recovery-failures-by-address': recoveryFailuresByAddress,
  '2026-11-30T0100-inventory': inventory,
  '2026-11-30T0200-idempotency': idempotency,
  '2026-11-30T0300-push': push,
  '2026-11-30T0400-device-requests': deviceRequests,
  '2026-11-30T0500-knowledge-base': knowledgeBase,
  '2026-12-01T0050-directory-lifecycle': directoryLifecycle,
  '2026-12-01T0100-onboarding': onboarding,
  '2026-12-01T0200-offboarding': offboarding,
  '2026-12-01T0300-scim': scim,
  '2026-12-01T0500-kb-search-speed': kbSearchSpeed,
  '2026-12-01T0600-requests-speed': requestsSpeed,
  '2026-12-02T0100-requests-fast': requestsFast,
  '2026-12-02T0200-kb-snippet-text': kbSnippetText,
  '2026-12-02T0300-kb-gin-pending-list': kbGinPendingList,
  '2026-12-02T0400-locks': locks,
  '2026-12-02T0500-kb-title-length': kbTitleLength,
  '2026-12-03T0100-kb-fts-order': kbFtsOrder,
  '2026-12-04T0100-kb-article-count': kbArticleCount,
  '2026-12-04T0200-kb-result-index': kbResultIndex,
  '2026-12-05T0100-kb-change-notify': kbChangeNotify,
  '2026-12-06T0100-kb-title-pages': kbTitlePages,
  '2026-12-07T0100-kb-title-table': kbTitleTable,
  '2026-12-08T0100-session-announce': sessionAnnounce,
};
