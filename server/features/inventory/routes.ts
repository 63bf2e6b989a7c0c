import { Hono } from 'hono';
import { z } from 'zod';
import {
  assetFilterSchema,
  assetImportSchema,
  assetInputSchema,
  assetStatusChangeSchema,
  assetTagSchema,
  assetUpdateSchema,
  inventoryIdSchema,
  modelFilterSchema,
  modelInputSchema,
} from '../../../shared/inventory.js';
import type { AppDeps, AppEnv } from '../../http/context.js';
import { currentSession, requirePermission } from '../../http/session.js';
import { validate } from '../../http/validate.js';
import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { requestsDepsOf } from '../requests/routes.js';
import { serveBackorders } from '../requests/service.js';
import { exportAssetsCsv, importAssets } from './csv.js';
import * as service from './service.js';

const tagParam = z.strictObject({ tag: assetTagSchema });
const idParam = z.strictObject({ id: inventoryIdSchema });
const importQuery = z.strictObject({ dryRun: z.enum(['0', '1', 'true', 'false']).optional() });
const exportQuery = assetFilterSchema.omit({ limit: true, offset: true });

/** The help desk's inventory, `/api/inventory/…`: every route needs `inventory.manage`. */
export function inventoryRoutes(appDeps: AppDeps) {
  const requestsDeps = requestsDepsOf(appDeps);
  const deps: service.InventoryDeps = {
    db: appDeps.db,
    inventory: appDeps.inventory,
    audit: appDeps.audit,
    // Backordered device requests take new stock of their model in the same transaction.
    stockArrived: async (trx, modelId, actor) => {
      await serveBackorders(requestsDeps, trx as Transaction<Database>, modelId, actor);
    },
  };
  const actor = (c: Parameters<typeof currentSession>[0]) => currentSession(c).username;
  return new Hono<AppEnv>()
    .use('*', requirePermission('inventory.manage'))
    .get('/categories', async (c) => c.json({ categories: await appDeps.inventory.listCategories() }, 200))
    .get('/models', validate('query', modelFilterSchema), async (c) => c.json(await service.listModels(deps, c.req.valid('query')), 200))
    .post('/models', validate('json', modelInputSchema), async (c) => c.json(await service.createModel(deps, c.req.valid('json'), actor(c)), 201))
    .get('/models/:id', validate('param', idParam), async (c) => c.json(await service.getModel(deps, c.req.valid('param').id), 200))
    .put('/models/:id', validate('param', idParam), validate('json', modelInputSchema), async (c) =>
      c.json(await service.updateModel(deps, c.req.valid('param').id, c.req.valid('json'), actor(c)), 200),
    )
    .get('/assets', validate('query', assetFilterSchema), async (c) => c.json(await service.listAssets(deps, c.req.valid('query')), 200))
    .post('/assets', validate('json', assetInputSchema), async (c) => c.json(await service.createAsset(deps, c.req.valid('json'), actor(c)), 201))
    .get('/assets.csv', validate('query', exportQuery), async (c) => {
      const csv = await exportAssetsCsv(deps, c.req.valid('query'), actor(c));
      return c.body(csv, 200, {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': 'attachment; filename="assets.csv"',
      });
    })
    .post('/assets/import', validate('query', importQuery), validate('json', assetImportSchema), async (c) => {
      const dryRun = ['1', 'true'].includes(c.req.valid('query').dryRun ?? '');
      const result = await importAssets(deps, c.req.valid('json').csv, dryRun, actor(c));
      // Row problems are an answer to show, not a failed call: 422 tells scripts nothing was written.
      return c.json(result, result.errors.length ? 422 : dryRun ? 200 : 201);
    })
    .get('/assets/:tag', validate('param', tagParam), async (c) => c.json(await service.getAsset(deps, c.req.valid('param').tag), 200))
    .patch('/assets/:tag', validate('param', tagParam), validate('json', assetUpdateSchema.strict()), async (c) =>
      c.json(await service.updateAsset(deps, c.req.valid('param').tag, c.req.valid('json'), actor(c)), 200),
    )
    .get('/assets/:tag/history', validate('param', tagParam), async (c) =>
      c.json({ history: await service.assetHistory(deps, c.req.valid('param').tag) }, 200),
    )
    .post('/assets/:tag/status', validate('param', tagParam), validate('json', assetStatusChangeSchema), async (c) =>
      c.json(await service.changeAssetStatus(deps, c.req.valid('param').tag, c.req.valid('json'), actor(c)), 200),
    );
}
