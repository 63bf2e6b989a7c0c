/**
 * The built-in inventory's asset text search: what it finds is "the text anywhere in the tag,
 * serial, location, holder or model name, case aside", on SQLite and PostgreSQL alike, whether
 * the text is long enough for the trigram index (three characters or more) or scanned for. Each
 * search is compared with that rule applied to the assets in memory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Asset } from '../../shared/inventory.js';
import { availableDialects } from '../harness/db.js';
import { builtinFixture, type InventoryFixture, unique } from './fixtures.js';

describe.each(availableDialects())('asset text search on %s', (dialect) => {
  let fixture: InventoryFixture;
  let assets: (Asset & { modelName: string })[];
  const run = unique('Q'); // keeps this file's assets apart from anything else in the database

  beforeAll(async () => {
    fixture = await builtinFixture(dialect);
    const { inventory } = fixture;
    const dock = await inventory.createModel({
      category: 'peripherals',
      manufacturer: 'Dell',
      name: `WD19 Dock ${run}`,
      specs: '',
      imageUrl: null,
      priceCents: 20_000,
      requestable: true,
      eligibleRoles: [],
      eligibleDepartments: [],
      leadTimeDays: 5,
    });
    const phone = await inventory.createModel({
      category: 'phones',
      manufacturer: 'Apple',
      name: `iPhone 15 ${run}`,
      specs: '',
      imageUrl: null,
      priceCents: 90_000,
      requestable: true,
      eligibleRoles: [],
      eligibleDepartments: [],
      leadTimeDays: 5,
    });
    const rows = [
      { tag: `${run}-AB1234`, serial: `SN-${run}-X9`, modelId: dock.id, location: 'Zürich Office 3rd floor' },
      { tag: `${run}-AB1299`, serial: `SN-${run}-50%_OFF`, modelId: dock.id, location: 'Berlin HQ' },
      { tag: `${run}-CD7777`, serial: `SN-${run}-"QUOTED"`, modelId: phone.id, location: 'berlin annex' },
      { tag: `${run}-EF0001`, serial: `SN-${run}-Y1`, modelId: phone.id, location: '' },
    ];
    for (const row of rows) {
      await inventory.createAsset({ ...row, status: 'in_stock', purchaseDate: '2026-01-15', warrantyEnd: '2029-01-15', notes: '' });
    }
    await inventory.assign(`${run}-EF0001`, fixture.people[1]);
    // A searched column that changes: the index follows (the old location is no longer found).
    await inventory.updateAsset(`${run}-CD7777`, { location: 'Lisbon depot' });
    const listed = await inventory.listAssets({ query: run, limit: 100 });
    assets = listed.items.map((a) => ({ ...a, modelName: a.modelId === dock.id ? dock.name : phone.name }));
    expect(assets).toHaveLength(4);
  });
  afterAll(() => fixture.close());

  /** The rule, in memory: the text, lower-cased, anywhere in one of the five fields, lower-cased. */
  function expected(text: string): string[] {
    const needle = text.toLowerCase();
    return assets
      .filter((a) => [a.tag, a.serial, a.location, a.assignedTo, a.modelName].some((v) => (v ?? '').toLowerCase().includes(needle)))
      .map((a) => a.tag)
      .sort();
  }

  const searches = [
    'ab12', // the middle of two tags
    'AB1299', // case aside
    '-x9', // the end of a serial
    '50%_o', // LIKE's wildcards are plain text
    '"quoted"', // and so is a double quote
    'BERLIN', // two locations, one of them lower-case in the data
    'zürich office', // across a space
    'lisbon', // a location changed after the asset was added
    'wd19 dock', // the model's name
    'iphone 15', // the model's name, two assets
    'ab', // two characters: too short for a trigram, scanned
    '7', // one character
    'nowhere-to-be-found',
  ];

  it.each(searches)('"%s" finds what the rule finds', async (text) => {
    const found = await fixture.inventory.listAssets({ query: text, limit: 100 });
    const mine = found.items
      .map((a) => a.tag)
      .filter((tag) => tag.startsWith(run))
      .sort();
    expect(mine).toEqual(expected(text));
    if (text.length >= 3 && !/^(iphone 15|wd19 dock)$/.test(text)) {
      // Long specific text from this file's data matches only this file's assets, and the total agrees.
      expect(found.total).toBe(mine.length);
    }
  });

  it('finds the holder, and no longer the old location once it changed', async () => {
    const holder = fixture.people[1];
    expect((await fixture.inventory.listAssets({ query: holder, limit: 100 })).items.map((a) => a.tag)).toContain(`${run}-EF0001`);
    expect((await fixture.inventory.listAssets({ query: 'berlin annex', limit: 100 })).items).toEqual([]);
  });
});
