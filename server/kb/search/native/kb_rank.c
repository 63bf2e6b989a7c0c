/*
 * kb_bm25: FTS5's bm25() ranking with each phrase's IDF supplied by the caller.
 *
 *   kb_bm25(table, idfs, weight_1, ..., weight_ncolumns)
 *
 * `idfs` is a blob of one native-endian double per phrase of the MATCH expression, in the order
 * the phrases appear in it. The score is bm25()'s, term for term (k1 1.2, b 0.75, the row's
 * length over all columns, the average from FTS5's totals), negative, lower is better.
 *
 * Why: bm25() computes each phrase's IDF on its first call in a query by counting the rows that
 * hold the phrase, walking the phrase's whole doclist. The knowledge-base search already knows
 * every term's document frequency (its vocabulary plans each query with them), and at 100k
 * articles that count was over half of a body pass's time. With the IDF given, a pass reads only
 * the rows it ranks. The search passes the same IDF formula bm25() uses (sqlite-engine.ts), so
 * the ranking is bm25()'s whenever the vocabulary's counts equal FTS5's.
 *
 * Built by server/kb/search/native/rank-extension.ts against the SQLite headers better-sqlite3
 * ships with; loaded into each SQLite connection the portal opens (server/db/database.ts).
 */
#include <string.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT1

/* Per query, made on the first row: the average row length and room for the phrase counts. */
typedef struct {
  double avgdl;
  double *aFreq;
} RankData;

static void kbBm25(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nVal, sqlite3_value **apVal) {
  const double k1 = 1.2, b = 0.75;
  int nCol = api->xColumnCount(fts);
  int nPhrase = api->xPhraseCount(fts);
  if (nVal != 1 + nCol) {
    sqlite3_result_error(ctx, "kb_bm25: expected the IDF blob and one weight per column", -1);
    return;
  }
  if (sqlite3_value_type(apVal[0]) != SQLITE_BLOB || sqlite3_value_bytes(apVal[0]) != (int)(sizeof(double) * nPhrase)) {
    sqlite3_result_error(ctx, "kb_bm25: the IDF blob must hold one double per phrase", -1);
    return;
  }
  const double *idfs = (const double *)sqlite3_value_blob(apVal[0]);
  RankData *d = (RankData *)api->xGetAuxdata(fts, 0);
  if (!d) {
    sqlite3_int64 nRow = 0, nToken = 0;
    int rc = api->xRowCount(fts, &nRow);
    if (rc == SQLITE_OK) rc = api->xColumnTotalSize(fts, -1, &nToken);
    if (rc != SQLITE_OK) {
      sqlite3_result_error_code(ctx, rc);
      return;
    }
    d = (RankData *)sqlite3_malloc64(sizeof(RankData) + sizeof(double) * (nPhrase > 0 ? nPhrase : 1));
    if (!d) {
      sqlite3_result_error_nomem(ctx);
      return;
    }
    d->avgdl = nRow > 0 ? (double)nToken / (double)nRow : 1.0;
    if (d->avgdl <= 0) d->avgdl = 1.0;
    d->aFreq = (double *)&d[1];
    rc = api->xSetAuxdata(fts, d, sqlite3_free);
    if (rc != SQLITE_OK) {
      sqlite3_result_error_code(ctx, rc);
      return;
    }
  }
  memset(d->aFreq, 0, sizeof(double) * nPhrase);
  int nInst = 0;
  int rc = api->xInstCount(fts, &nInst);
  for (int i = 0; rc == SQLITE_OK && i < nInst; i++) {
    int ip, ic, io;
    rc = api->xInst(fts, i, &ip, &ic, &io);
    if (rc == SQLITE_OK) d->aFreq[ip] += sqlite3_value_double(apVal[1 + ic]);
  }
  int nTok = 0;
  if (rc == SQLITE_OK) rc = api->xColumnSize(fts, -1, &nTok);
  if (rc != SQLITE_OK) {
    sqlite3_result_error_code(ctx, rc);
    return;
  }
  double score = 0.0, D = (double)nTok;
  for (int i = 0; i < nPhrase; i++) {
    double idf, f = d->aFreq[i];
    memcpy(&idf, &idfs[i], sizeof idf); /* the blob need not be aligned */
    score += idf * ((f * (k1 + 1.0)) / (f + k1 * (1 - b + b * D / d->avgdl)));
  }
  sqlite3_result_double(ctx, -1.0 * score);
}

/* The connection's FTS5 API, the documented way: SELECT fts5(?1) with a pointer bound. */
static fts5_api *fts5ApiOf(sqlite3 *db) {
  fts5_api *api = 0;
  sqlite3_stmt *stmt = 0;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, 0) == SQLITE_OK) {
    sqlite3_bind_pointer(stmt, 1, (void *)&api, "fts5_api_ptr", 0);
    sqlite3_step(stmt);
  }
  sqlite3_finalize(stmt);
  return api;
}

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_kbrank_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi) {
  SQLITE_EXTENSION_INIT2(pApi);
  fts5_api *fts5 = fts5ApiOf(db);
  if (!fts5 || fts5->iVersion < 2) {
    *pzErrMsg = sqlite3_mprintf("kb_rank: this SQLite has no FTS5");
    return SQLITE_ERROR;
  }
  return fts5->xCreateFunction(fts5, "kb_bm25", 0, kbBm25, 0);
}
