import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, signInAs, type TestApp } from '../harness/app.js';
import { availableDialects } from '../harness/db.js';

const unique = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`.toUpperCase();

describe.each(availableDialects())('the help desk inventory API on %s', (dialect) => {
  let t: TestApp;
  let hana: string;
  let alice: string;

  beforeAll(async () => {
    t = await buildTestApp({ dialect });
    hana = await signInAs(t, 'hana');
    alice = await signInAs(t, 'alice');
  });
  afterAll(() => t.close());

  const call = async (method: string, path: string, json?: unknown, cookie = hana) => {
    const response = await t.request(method, path, { cookie, ...(json === undefined ? {} : { json }) });
    const text = await response.text();
    return { status: response.status, body: response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text, headers: response.headers };
  };
  const auditActions = async (action: string) =>
    t.deps.db.selectFrom('audit_events').select(['actor', 'details']).where('action', '=', action).execute();
  const countAssets = async () => Number((await t.deps.db.selectFrom('inventory_assets').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  const newModel = async (name = unique('Latitude')) => {
    const created = await call('POST', '/api/inventory/models', {
      category: 'laptops',
      manufacturer: 'Dell',
      name,
      specs: '32 GB',
      priceCents: 180000,
      leadTimeDays: 14,
    });
    expect(created.status).toBe(201);
    return created.body as { id: string; name: string };
  };

  it('refuses employees on every inventory route', async () => {
    const before = await countAssets();
    expect((await call('GET', '/api/inventory/models', undefined, alice)).status).toBe(403);
    expect((await call('POST', '/api/inventory/assets', { tag: 'IT-1', modelId: '1' }, alice)).status).toBe(403);
    expect((await call('GET', '/api/inventory/assets.csv', undefined, alice)).status).toBe(403);
    expect(await countAssets()).toBe(before);
  });

  it('starts demo mode with a catalogue: 12+ models in 4+ categories, one with a single unit, one out of stock', async () => {
    const models = (await call('GET', '/api/inventory/models?limit=100')).body;
    expect(models.total).toBeGreaterThanOrEqual(12);
    const items = models.items as Array<{ name: string; category: string; inStock: number; leadTimeDays: number | null }>;
    expect(new Set(items.map((m) => m.category)).size).toBeGreaterThanOrEqual(4);
    expect(items.find((m) => m.name === 'XPS 13')?.inStock).toBe(1);
    expect(items.find((m) => m.name === 'Pixel 9')).toMatchObject({ inStock: 0, leadTimeDays: 10 });
    const first = await call('GET', '/api/inventory/assets/IT-000001');
    expect(first.body.asset).toMatchObject({ tag: 'IT-000001', status: 'in_stock', serial: 'DEMO000001' });
  });

  it('creates and edits a model; bad input gets field errors and writes nothing', async () => {
    const model = await newModel();
    expect(model).toMatchObject({ category: 'laptops', inStock: 0, requestable: true, eligibleRoles: [] });
    const before = await t.deps.db.selectFrom('inventory_models').select('id').execute();
    const bad = await call('POST', '/api/inventory/models', {
      category: 'Laptops!',
      manufacturer: '',
      name: 'x',
      imageUrl: 'javascript:alert(1)',
      priceCents: '12',
      eligibleRoles: ['root'],
    });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields).sort()).toEqual(['category', 'eligibleRoles.0', 'imageUrl', 'manufacturer', 'priceCents']);
    const unknownCategory = await call('POST', '/api/inventory/models', { category: 'boats', manufacturer: 'X', name: 'Y' });
    expect(unknownCategory.body.error.fields).toHaveProperty('category');
    expect(await t.deps.db.selectFrom('inventory_models').select('id').execute()).toHaveLength(before.length);

    const edited = await call('PUT', `/api/inventory/models/${model.id}`, { category: 'laptops', manufacturer: 'Dell', name: `${model.name} 2`, requestable: false });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ name: `${model.name} 2`, requestable: false });
    expect((await call('GET', `/api/inventory/models/${model.id}`)).body.name).toBe(`${model.name} 2`);
    expect((await call('GET', '/api/inventory/models/999999')).status).toBe(404);
    expect((await auditActions('inventory.model_created')).some((r) => r.actor === 'hana')).toBe(true);
    expect(await auditActions('inventory.model_updated')).toHaveLength(1);
  });

  it('adds an asset, finds it, changes its status with a note, and shows its history', async () => {
    const model = await newModel();
    const tag = unique('IT');
    const created = await call('POST', '/api/inventory/assets', { tag, serial: unique('SN'), modelId: model.id, location: 'HQ', warrantyEnd: '2029-03-01' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ tag, status: 'in_stock', modelName: model.name });

    const duplicate = await call('POST', '/api/inventory/assets', { tag: tag.toLowerCase(), modelId: model.id });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.error.fields).toHaveProperty('tag');
    const badDate = await call('POST', '/api/inventory/assets', { tag: unique('IT'), modelId: model.id, warrantyEnd: '2029-13-45' });
    expect(badDate.body.error.fields).toHaveProperty('warrantyEnd');

    const found = await call('GET', `/api/inventory/assets?query=${encodeURIComponent(tag.slice(-4).toLowerCase())}`);
    expect(found.body.items.map((a: { tag: string }) => a.tag)).toContain(tag);
    expect((await call('GET', `/api/inventory/assets?status=in_repair&modelId=${model.id}`)).body.total).toBe(0);
    expect((await call('GET', '/api/inventory/assets?status=broken')).status).toBe(400);

    expect((await call('POST', `/api/inventory/assets/${tag}/status`, { status: 'in_repair' })).status).toBe(400);
    expect((await call('POST', `/api/inventory/assets/${tag}/status`, { status: 'assigned', note: 'x' })).status).toBe(400);
    const repaired = await call('POST', `/api/inventory/assets/${tag}/status`, { status: 'in_repair', note: 'keyboard spill' });
    expect(repaired.body.status).toBe('in_repair');
    const patched = await call('PATCH', `/api/inventory/assets/${tag}`, { location: 'Repair shop' });
    expect(patched.body.location).toBe('Repair shop');
    expect((await call('PATCH', `/api/inventory/assets/${tag}`, { tag: 'OTHER' })).status).toBe(400);

    const detail = await call('GET', `/api/inventory/assets/${tag}`);
    expect(detail.body.asset).toMatchObject({ tag, status: 'in_repair', location: 'Repair shop' });
    expect(detail.body.history.map((e: { kind: string }) => e.kind)).toEqual(['created', 'status_changed', 'updated']);
    expect(detail.body.history[1]).toMatchObject({ actor: 'hana', note: 'keyboard spill', fromStatus: 'in_stock', toStatus: 'in_repair' });
    expect((await call('GET', `/api/inventory/assets/${tag}/history`)).body.history).toHaveLength(3);
    expect((await call('GET', '/api/inventory/assets/NO-SUCH-TAG')).status).toBe(404);

    const audited = await auditActions('inventory.asset_status_changed');
    expect(audited.map((r) => JSON.parse(r.details!))).toContainEqual(expect.objectContaining({ tag, from: 'in_stock', to: 'in_repair' }));
  });

  it('previews a CSV import with per-row errors and imports nothing until every row is right', async () => {
    const model = await newModel();
    const [a, b, c] = [unique('IT'), unique('IT'), unique('IT')];
    const before = await countAssets();
    const bad = [
      'tag,serial,model,status,location,purchase_date,warranty_end,notes',
      `${a},${unique('SN')},${model.name},in_stock,HQ,2026-01-02,2029-01-02,`,
      `${b},,No Such Model,in_stock,HQ,,,`,
      `${c},,${model.name},assigned,HQ,2026-02-30,,`,
    ].join('\n');
    const preview = await call('POST', '/api/inventory/assets/import?dryRun=1', { csv: bad });
    expect(preview.status).toBe(422);
    expect(preview.body.errors.map((e: { row: number; column: string }) => [e.row, e.column])).toEqual([
      [2, 'model'],
      [3, 'status'],
      [3, 'purchase_date'],
    ]);
    // Each problem as a code with its values, for the web app to say in the reader's language.
    expect(preview.body.errors.map((e: { code: string; params: unknown }) => [e.code, e.params])).toEqual([
      ['model_unknown', { name: 'No Such Model' }],
      ['field_invalid_choice', { options: expect.stringContaining('in_repair') }],
      ['field_invalid', {}],
    ]);
    const refused = await call('POST', '/api/inventory/assets/import', { csv: bad });
    expect(refused.status).toBe(422);
    expect(refused.body.imported).toBe(0);
    expect(await countAssets()).toBe(before);

    // A model is named as the screens show it too: manufacturer and name.
    const good = bad.replace('No Such Model', `Dell ${model.name}`).replace(',assigned,HQ,2026-02-30', ',in_repair,HQ,2026-02-28');
    const dry = await call('POST', '/api/inventory/assets/import?dryRun=1', { csv: good });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dryRun: true, rows: 3, imported: 0, errors: [] });
    expect(dry.body.preview.map((p: { tag: string; modelName: string }) => [p.tag, p.modelName])).toEqual([
      [a, model.name],
      [b, model.name],
      [c, model.name],
    ]);
    expect(await countAssets()).toBe(before);

    const imported = await call('POST', '/api/inventory/assets/import', { csv: good });
    expect(imported.status).toBe(201);
    expect(imported.body.imported).toBe(3);
    expect(await countAssets()).toBe(before + 3);
    expect((await call('GET', `/api/inventory/assets/${c}`)).body.asset).toMatchObject({ status: 'in_repair', purchaseDate: '2026-02-28' });
    expect(await auditActions('inventory.assets_imported')).toHaveLength(1);

    // The same file again: every tag is taken now, so nothing is written.
    const again = await call('POST', '/api/inventory/assets/import', { csv: good });
    expect(again.status).toBe(422);
    expect(again.body.errors.every((e: { column: string }) => e.column === 'tag' || e.column === 'serial')).toBe(true);
    expect(await countAssets()).toBe(before + 3);
  });

  it('refuses an import with unknown columns, duplicate rows or no rows', async () => {
    const model = await newModel();
    const tag = unique('IT');
    const unknown = await call('POST', '/api/inventory/assets/import?dryRun=1', { csv: `tag,model_id,owner\n${tag},${model.id},x` });
    expect(unknown.body.errors[0]).toMatchObject({ row: 0, column: 'owner', code: 'unknown_column', params: { column: 'owner' } });
    const dup = await call('POST', '/api/inventory/assets/import', { csv: `tag,model_id\n${tag},${model.id}\n${tag.toLowerCase()},${model.id}` });
    expect(dup.body.errors).toEqual([expect.objectContaining({ row: 2, column: 'tag', code: 'tag_repeated', params: { tag: tag.toLowerCase(), otherRow: 1 } })]);
    expect((await call('POST', '/api/inventory/assets/import', { csv: 'tag,model_id\n' })).body.errors[0]).toMatchObject({ row: 0, code: 'no_rows' });
    expect((await call('POST', '/api/inventory/assets/import', { csv: '' })).status).toBe(400);
    expect((await call('POST', '/api/inventory/assets/import', { csv: ['a'] })).status).toBe(400);
    expect((await call('GET', `/api/inventory/assets/${tag}`)).status).toBe(404);
  });

  it('takes a CSV larger than an ordinary request body (up to its own limit) and refuses a bigger one', async () => {
    const model = await newModel();
    const rows = Array.from({ length: 2000 }, (_, i) => `${unique('BULK')}-${i},SER-${randomBytes(6).toString('hex')},${model.id},Store room ${i}`);
    const csv = ['tag,serial,model_id,location', ...rows].join('\n');
    expect(csv.length).toBeGreaterThan(64 * 1024);
    const dry = await call('POST', '/api/inventory/assets/import?dryRun=1', { csv });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ rows: 2000, errors: [] });
    expect(dry.body.preview).toHaveLength(200);
    const tooBig = await call('POST', '/api/inventory/assets/import?dryRun=1', { csv: 'x'.repeat(3 * 1024 * 1024) });
    expect(tooBig.status).toBe(413);
    // Other routes keep the ordinary limit.
    const big = await call('POST', '/api/inventory/assets', { tag: 'BIG-1', modelId: model.id, notes: 'x'.repeat(70 * 1024) });
    expect(big.status).toBe(413);
  });

  it('exports assets as CSV with formula cells defused', async () => {
    const model = await newModel();
    const tag = unique('IT');
    await call('POST', '/api/inventory/assets', { tag, modelId: model.id, notes: '=HYPERLINK("http://evil.example","click")', location: '@SUM(A1)' });
    const exported = await call('GET', `/api/inventory/assets.csv?modelId=${model.id}`);
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(exported.headers.get('content-disposition')).toMatch(/attachment/);
    const lines = (exported.body as string).trim().split('\n');
    expect(lines[0]).toBe('tag,serial,model_id,model,status,location,assigned_to,purchase_date,warranty_end,notes');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`${tag},,${model.id},${model.name},in_stock,'@SUM(A1)`);
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
  });
});
