import { z } from 'zod';
import { ROLES } from './roles.js';

/**
 * The asset inventory as the portal sees it, whichever inventory keeps it (built-in tables or
 * Snipe-IT). Ids are strings of digits on both (an autoincrement key, or Snipe-IT's numeric id),
 * so the rest of the portal never cares which one it talks to.
 */

/** Where an asset is in its life. Only the reservation and checkout flows set `reserved` and `assigned`. */
export const ASSET_STATUSES = ['in_stock', 'reserved', 'assigned', 'in_repair', 'retired', 'lost'] as const;
export const assetStatusSchema = z.enum(ASSET_STATUSES);
export type AssetStatus = z.infer<typeof assetStatusSchema>;

/** Statuses the help desk sets by hand (with a note); reserve/assign/check-in have their own flows. */
export const MANUAL_STATUSES = ['in_stock', 'in_repair', 'retired', 'lost'] as const;
export const manualStatusSchema = z.enum(MANUAL_STATUSES);
export type ManualStatus = z.infer<typeof manualStatusSchema>;

/** Where a checked-in asset goes: back on the shelf, or to repair. */
export const CHECK_IN_TARGETS = ['in_stock', 'in_repair'] as const;
export type CheckInTarget = (typeof CHECK_IN_TARGETS)[number];

/** The categories every portal starts with; approval chains are configured per category. */
export const DEFAULT_CATEGORIES = ['laptops', 'phones', 'monitors', 'peripherals', 'accessories', 'loaners'] as const;

/** A category key: lower-case letters, digits and dashes (it appears in URLs and approval settings). */
export const categorySlugSchema = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'Use lower-case letters, digits and dashes (up to 40).');

/** An id of a model or asset: a positive integer, written as a string. */
export const inventoryIdSchema = z.string().regex(/^[1-9][0-9]{0,14}$/, 'Not a valid id.');

/** An asset tag as printed on the label, e.g. `IT-000123`. Case is kept; look-ups ignore it. */
export const assetTagSchema = z
  .string()
  .trim()
  .min(1, 'Enter the asset tag.')
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'Use letters, digits and . _ - only.');

/** A calendar date `YYYY-MM-DD` (purchase date, warranty end). */
export const isoDateSchema = z.iso.date('Use the form YYYY-MM-DD.');

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .transform((v) => (v === '' ? null : v))
    .nullable();

/** A picture of a model: an https URL or a path on the portal itself (never `javascript:` or `data:`). */
export const imageUrlSchema = z
  .string()
  .trim()
  .max(2000)
  .refine((v) => /^https:\/\/[^\s]+$/i.test(v) || /^\/(?!\/)[^\s]*$/.test(v), 'Use an https:// address or a path starting with /.');

export const categorySchema = z.object({
  slug: categorySlugSchema,
  name: z.string(),
});
export type Category = z.infer<typeof categorySchema>;

/** A kind of device that can be requested and stocked (Snipe-IT: a model). */
export interface Model {
  id: string;
  /** Category slug, e.g. `laptops`. */
  category: string;
  manufacturer: string;
  name: string;
  /** Free text: CPU, memory, screen … shown in the catalogue. */
  specs: string;
  imageUrl: string | null;
  /** Price in the smallest unit of the company's currency (cents); null when unknown. */
  priceCents: number | null;
  /** Shown in the catalogue and open to requests. */
  requestable: boolean;
  /** Roles that may request it; empty means everyone. */
  eligibleRoles: string[];
  /** Departments that may request it; empty means every department. */
  eligibleDepartments: string[];
  /** Days until a unit arrives when none is in stock; null when unknown. */
  leadTimeDays: number | null;
  /** Units with status `in_stock` right now (reserved units are not counted). */
  inStock: number;
  /** ISO time of the last change. */
  updatedAt: string;
}

/** One physical device with a tag. */
export interface Asset {
  id: string;
  tag: string;
  serial: string | null;
  modelId: string;
  modelName: string;
  category: string;
  status: AssetStatus;
  location: string | null;
  /** Username of the person it is assigned (checked out) to. */
  assignedTo: string | null;
  /** Who holds the reservation, e.g. `request:42`, while status is `reserved`. */
  reservedFor: string | null;
  purchaseDate: string | null;
  warrantyEnd: string | null;
  notes: string;
  updatedAt: string;
}

export const ASSET_EVENT_KINDS = [
  'created',
  'updated',
  'reserved',
  'released',
  'assigned',
  'checked_in',
  'status_changed',
] as const;
export type AssetEventKind = (typeof ASSET_EVENT_KINDS)[number];

/** One movement or change in an asset's history (append-only). */
export interface AssetEvent {
  id: string;
  assetTag: string;
  /** ISO time. */
  at: string;
  kind: AssetEventKind;
  fromStatus: AssetStatus | null;
  toStatus: AssetStatus | null;
  /** Username of who did it; null for the portal itself (e.g. a job). */
  actor: string | null;
  /** The person it was assigned to or taken back from, or the reservation holder. */
  person: string | null;
  note: string | null;
}

/** A page of results with the total that matched. */
export interface InventoryPage<T> {
  total: number;
  items: T[];
}

/** Create or replace a model (the help desk's form; the same fields on edit). */
export const modelInputSchema = z.strictObject({
  category: categorySlugSchema,
  manufacturer: z.string().trim().min(1, 'Enter the manufacturer.').max(100),
  name: z.string().trim().min(1, 'Enter the model name.').max(200),
  specs: z.string().trim().max(2000).default(''),
  imageUrl: imageUrlSchema.nullable().default(null),
  priceCents: z.number().int().min(0).max(1_000_000_000).nullable().default(null),
  requestable: z.boolean().default(true),
  eligibleRoles: z.array(z.enum(ROLES)).max(ROLES.length).default([]),
  eligibleDepartments: z.array(z.string().trim().min(1).max(100)).max(50).default([]),
  leadTimeDays: z.number().int().min(0).max(365).nullable().default(null),
});
export type ModelInput = z.infer<typeof modelInputSchema>;

/** Create an asset. New assets start in stock (or in repair, retired, lost); reserve and assign have their own flows. */
export const assetInputSchema = z.strictObject({
  tag: assetTagSchema,
  serial: optionalText(100).default(null),
  modelId: inventoryIdSchema,
  status: manualStatusSchema.default('in_stock'),
  location: optionalText(200).default(null),
  purchaseDate: isoDateSchema.nullable().default(null),
  warrantyEnd: isoDateSchema.nullable().default(null),
  notes: z.string().trim().max(2000).default(''),
});
export type AssetInput = z.infer<typeof assetInputSchema>;

/** Edit an asset: every field but the tag and the status (status changes carry a note, see below). */
export const assetUpdateSchema = assetInputSchema.omit({ tag: true, status: true }).partial();
export type AssetUpdate = z.infer<typeof assetUpdateSchema>;

/** Change an asset's status by hand, with a reason for the history. */
export const assetStatusChangeSchema = z.strictObject({
  status: manualStatusSchema,
  note: z.string().trim().min(1, 'Say why.').max(500),
});
export type AssetStatusChange = z.infer<typeof assetStatusChangeSchema>;

const queryBoolean = z.enum(['true', 'false']).transform((v) => v === 'true');

/** `GET /api/inventory/models?…` */
export const modelFilterSchema = z.strictObject({
  query: z.string().trim().max(100).optional(),
  category: categorySlugSchema.optional(),
  requestable: queryBoolean.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
export type ModelFilter = z.infer<typeof modelFilterSchema>;

/** `GET /api/inventory/assets?…` */
export const assetFilterSchema = z.strictObject({
  /** Matches tag, serial, model name, location and assignee. */
  query: z.string().trim().max(100).optional(),
  status: assetStatusSchema.optional(),
  modelId: inventoryIdSchema.optional(),
  category: categorySlugSchema.optional(),
  assignedTo: z.string().trim().min(1).max(256).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
export type AssetFilter = z.infer<typeof assetFilterSchema>;

/**
 * The columns of the asset CSV (export writes them in this order; import reads them by header
 * name, in any order). `model_id` or `model` (the exact model name) says which model.
 */
export const ASSET_CSV_COLUMNS = [
  'tag',
  'serial',
  'model_id',
  'model',
  'status',
  'location',
  'assigned_to',
  'purchase_date',
  'warranty_end',
  'notes',
] as const;

const csvText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((v) => (v === undefined || v === '' ? null : v));

/** One CSV row as read (all strings). Import accepts manual statuses only; `assigned_to` is ignored on import. */
export const assetCsvRowSchema = z
  .object({
    tag: assetTagSchema,
    serial: csvText(100),
    model_id: z
      .string()
      .trim()
      .optional()
      .transform((v) => (v === undefined || v === '' ? null : v))
      .pipe(inventoryIdSchema.nullable()),
    model: csvText(200),
    status: z
      .string()
      .trim()
      .optional()
      .transform((v) => (v === undefined || v === '' ? 'in_stock' : v))
      .pipe(manualStatusSchema),
    location: csvText(200),
    purchase_date: csvText(10).pipe(isoDateSchema.nullable()),
    warranty_end: csvText(10).pipe(isoDateSchema.nullable()),
    notes: csvText(2000),
  })
  .refine((row) => row.model_id !== null || row.model !== null, {
    message: 'Give model_id or model.',
    path: ['model'],
  });
export type AssetCsvRow = z.infer<typeof assetCsvRowSchema>;

/** Largest CSV the import takes, in rows (the whole import is one transaction). */
export const ASSET_IMPORT_MAX_ROWS = 5000;

/** `POST /api/inventory/assets/import` body. */
export const assetImportSchema = z.strictObject({
  csv: z.string().min(1, 'The file is empty.').max(1_000_000, 'The file is too large (1 MB at most).'),
});

/**
 * What is wrong with an imported row (or, row 0, with the file), for the web app to say in the
 * reader's language with `params`; `message` says it in English for other API clients.
 */
export const IMPORT_ERROR_CODES = [
  'csv_invalid', // params: detail (the parser's words, English)
  'unknown_column', // column, columns
  'no_rows',
  'too_many_rows', // max, rows
  'field_required', // (column)
  'field_too_long', // max
  'field_invalid_choice', // options
  'field_invalid', // (column; the message has the rule)
  'model_missing',
  'model_id_unknown', // id
  'model_unknown', // name
  'model_ambiguous', // name
  'tag_repeated', // tag, otherRow
  'tag_exists', // tag
  'serial_repeated', // serial, otherRow
  'serial_exists', // serial, tag
] as const;
export type ImportErrorCode = (typeof IMPORT_ERROR_CODES)[number];

/** One problem in an imported row: row number as a person counts it (1 = first data row), column, what is wrong. */
export interface ImportRowError {
  row: number;
  column: string | null;
  code: ImportErrorCode;
  params: Record<string, string | number>;
  message: string;
}

/** The answer of an import: a preview (dry run) or what was imported. Nothing is written when `errors` is not empty. */
export interface ImportResult {
  dryRun: boolean;
  rows: number;
  imported: number;
  errors: ImportRowError[];
  /** The rows as they would be created (preview), at most the first 200. */
  preview: Array<AssetInput & { modelName: string }>;
}

/**
 * A cell of a CSV export made safe for spreadsheets: one that starts with = + - @ (or a tab or
 * carriage return, which some spreadsheets skip before looking) gets a leading apostrophe, so it
 * is shown as text and never run as a formula (CSV injection).
 */
export function csvSafeCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}
