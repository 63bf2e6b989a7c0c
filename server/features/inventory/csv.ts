import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import {
  ASSET_CSV_COLUMNS,
  ASSET_IMPORT_MAX_ROWS,
  type AssetFilter,
  type AssetInput,
  assetCsvRowSchema,
  csvSafeCell,
  type ImportErrorCode,
  type ImportResult,
  type ImportRowError,
} from '../../../shared/inventory.js';
import type { z } from 'zod';
import { withTransaction } from '../../db/transaction.js';
import { errors } from '../../errors.js';
import type { InventoryDeps } from './service.js';

// CSV import (all rows or none, with a preview) and export of assets.

const KNOWN_COLUMNS = new Set<string>(ASSET_CSV_COLUMNS);
const PREVIEW_ROWS = 200;

type ModelRef = { id: string; name: string };

function problem(row: number, column: string | null, code: ImportErrorCode, params: Record<string, string | number>, message: string): ImportRowError {
  return { row, column, code, params, message };
}

/** A field the row schema refused, as a code the web app translates (zod's English message kept for API clients). */
function fieldProblem(row: number, issue: z.core.$ZodIssue): ImportRowError {
  const column = issue.path.length ? String(issue.path[0]) : null;
  if (column === 'model' && issue.code === 'custom') return problem(row, column, 'model_missing', {}, issue.message);
  if (issue.code === 'too_big') return problem(row, column, 'field_too_long', { max: Number(issue.maximum) }, issue.message);
  if (issue.code === 'too_small' || (issue.code === 'invalid_type' && issue.input === undefined)) return problem(row, column, 'field_required', {}, issue.message);
  if (issue.code === 'invalid_value') return problem(row, column, 'field_invalid_choice', { options: issue.values.map(String).join(', ') }, issue.message);
  return problem(row, column, 'field_invalid', {}, issue.message);
}

/**
 * Every model by its name and by "manufacturer name" (as the screens show it), lower-cased; a
 * name two models share is 'ambiguous'. Catalogues are small (hundreds), so one pass is cheap.
 */
async function modelNames(deps: InventoryDeps): Promise<Map<string, ModelRef | 'ambiguous'>> {
  const names = new Map<string, ModelRef | 'ambiguous'>();
  const add = (key: string, ref: ModelRef) => {
    const seen = names.get(key);
    names.set(key, seen && seen !== 'ambiguous' && seen.id !== ref.id ? 'ambiguous' : seen === 'ambiguous' ? seen : ref);
  };
  for (let offset = 0; ; offset += 100) {
    const page = await deps.inventory.listModels({ limit: 100, offset });
    for (const m of page.items) {
      const ref = { id: m.id, name: m.name };
      add(m.name.toLowerCase(), ref);
      add(`${m.manufacturer} ${m.name}`.toLowerCase(), ref);
    }
    if (page.items.length < 100) return names;
  }
}

/**
 * Reads a CSV of assets and checks every row (schema, model, duplicates in the file and in the
 * inventory). With `dryRun`, or when any row has a problem, nothing is written and the answer
 * lists the problems by row; otherwise every row is created in one transaction, and one audit
 * row records the import.
 */
export async function importAssets(deps: InventoryDeps, csv: string, dryRun: boolean, actor: string): Promise<ImportResult> {
  let records: Record<string, string>[];
  try {
    records = parse(csv, { columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()), bom: true, skip_empty_lines: true, trim: true, relax_column_count: false });
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0]! : 'The file is not valid CSV.';
    return { dryRun, rows: 0, imported: 0, errors: [problem(0, null, 'csv_invalid', { detail: message }, `Not a valid CSV file: ${message}`)], preview: [] };
  }
  const problems: ImportRowError[] = [];
  const header = records.length ? Object.keys(records[0]!) : [];
  for (const column of header) {
    if (!KNOWN_COLUMNS.has(column)) {
      const columns = ASSET_CSV_COLUMNS.join(', ');
      problems.push(problem(0, column, 'unknown_column', { column, columns }, `Unknown column "${column}". Use: ${columns}.`));
    }
  }
  if (records.length === 0) problems.push(problem(0, null, 'no_rows', {}, 'The file has no rows under its header.'));
  if (records.length > ASSET_IMPORT_MAX_ROWS) {
    problems.push(problem(0, null, 'too_many_rows', { max: ASSET_IMPORT_MAX_ROWS, rows: records.length }, `At most ${ASSET_IMPORT_MAX_ROWS} rows at once; this file has ${records.length}.`));
  }
  if (problems.length) return { dryRun, rows: records.length, imported: 0, errors: problems, preview: [] };

  let modelByName: Map<string, ModelRef | 'ambiguous'> | null = null;
  const modelById = new Map<string, { id: string; name: string } | null>();
  const seenTags = new Map<string, number>();
  const seenSerials = new Map<string, number>();
  const inputs: Array<AssetInput & { modelName: string }> = [];

  for (const [index, record] of records.entries()) {
    const row = index + 1;
    const parsed = assetCsvRowSchema.safeParse(record);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(fieldProblem(row, issue));
      continue;
    }
    const data = parsed.data;
    let model: { id: string; name: string } | null = null;
    if (data.model_id !== null) {
      if (!modelById.has(data.model_id)) {
        const found = await deps.inventory.getModel(data.model_id);
        modelById.set(data.model_id, found ? { id: found.id, name: found.name } : null);
      }
      model = modelById.get(data.model_id) ?? null;
      if (!model) problems.push(problem(row, 'model_id', 'model_id_unknown', { id: data.model_id }, `There is no model with id ${data.model_id}.`));
    } else {
      const key = data.model!.toLowerCase();
      modelByName ??= await modelNames(deps);
      const found = modelByName.get(key);
      if (!found) problems.push(problem(row, 'model', 'model_unknown', { name: data.model! }, `There is no model named "${data.model}".`));
      else if (found === 'ambiguous') problems.push(problem(row, 'model', 'model_ambiguous', { name: data.model! }, `Several models are named "${data.model}": use model_id.`));
      else model = found;
    }
    const tagKey = data.tag.toLowerCase();
    if (seenTags.has(tagKey)) problems.push(problem(row, 'tag', 'tag_repeated', { tag: data.tag, otherRow: seenTags.get(tagKey)! }, `Tag ${data.tag} is also in row ${seenTags.get(tagKey)}.`));
    else seenTags.set(tagKey, row);
    if (await deps.inventory.findAsset({ tag: data.tag })) problems.push(problem(row, 'tag', 'tag_exists', { tag: data.tag }, `Tag ${data.tag} is already in the inventory.`));
    if (data.serial) {
      const serialKey = data.serial.toLowerCase();
      if (seenSerials.has(serialKey)) {
        problems.push(problem(row, 'serial', 'serial_repeated', { serial: data.serial, otherRow: seenSerials.get(serialKey)! }, `Serial ${data.serial} is also in row ${seenSerials.get(serialKey)}.`));
      }
      else seenSerials.set(serialKey, row);
      const holder = await deps.inventory.findAsset({ serial: data.serial });
      if (holder) problems.push(problem(row, 'serial', 'serial_exists', { serial: data.serial, tag: holder.tag }, `Serial ${data.serial} is already recorded (asset ${holder.tag}).`));
    }
    if (model) {
      inputs.push({
        tag: data.tag,
        serial: data.serial,
        modelId: model.id,
        status: data.status,
        location: data.location,
        purchaseDate: data.purchase_date,
        warrantyEnd: data.warranty_end,
        notes: data.notes ?? '',
        modelName: model.name,
      });
    }
  }
  const preview = inputs.slice(0, PREVIEW_ROWS);
  if (problems.length || dryRun) return { dryRun, rows: records.length, imported: 0, errors: problems, preview };

  // All or nothing needs one transaction around every write: only the built-in inventory has one.
  if (deps.inventory.kind !== 'builtin') {
    throw errors.badRequest('CSV import works with the built-in inventory only; import into Snipe-IT with its own importer.');
  }
  await withTransaction(deps.db, async (trx) => {
    for (const { modelName: _, ...input } of inputs) await deps.inventory.createAsset(input, { trx, actor, note: 'CSV import' });
    await deps.audit.record({ action: 'inventory.assets_imported', actor, result: 'success', details: { rows: inputs.length } }, trx);
    // New stock goes to waiting requests of its models, in the import's transaction.
    for (const modelId of new Set(inputs.filter((i) => i.status === 'in_stock').map((i) => i.modelId))) await deps.stockArrived?.(trx, modelId, actor);
  });
  return { dryRun, rows: records.length, imported: inputs.length, errors: [], preview };
}

/** Every asset matching the filter as CSV, paged through so 100k assets never sit in memory twice. */
export async function exportAssetsCsv(deps: InventoryDeps, filter: Omit<AssetFilter, 'limit' | 'offset'>, actor: string): Promise<string> {
  const lines: string[] = [stringify([[...ASSET_CSV_COLUMNS]])];
  const pageSize = 1000;
  for (let offset = 0; ; offset += pageSize) {
    const page = await deps.inventory.listAssets({ ...filter, limit: pageSize, offset });
    const rows = page.items.map((a) =>
      [a.tag, a.serial ?? '', a.modelId, a.modelName, a.status, a.location ?? '', a.assignedTo ?? '', a.purchaseDate ?? '', a.warrantyEnd ?? '', a.notes].map(
        csvSafeCell,
      ),
    );
    if (rows.length) lines.push(stringify(rows));
    if (page.items.length < pageSize) break;
  }
  await deps.audit.record({ action: 'inventory.assets_exported', actor, result: 'success', details: { filter } });
  return lines.join('');
}
