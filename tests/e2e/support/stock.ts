import { randomBytes } from 'node:crypto';
import type { TestServer } from '../../harness/server.js';
import type { ThrowawayPerson } from '../../harness/people.js';

/** What each kind of test stock is: laptops need the manager then the help desk, monitors the manager alone. */
const KINDS = {
  laptops: { name: 'Test Book', specs: '16 GB RAM, 512 GB SSD', priceCents: 150_000 },
  monitors: { name: 'Test Screen', specs: '27" QHD', priceCents: 40_000 },
} as const;

/**
 * A model of the test's own (a unique name, so parallel files and earlier tests never meet it) with
 * one asset in stock per tag, added through the server's inventory as the help desk would.
 */
export async function stockModel(
  server: Pick<TestServer, 'inventory'>,
  category: keyof typeof KINDS,
  tags: readonly string[],
  options: { leadTimeDays?: number } = {},
): Promise<{ id: string; name: string }> {
  const kind = KINDS[category];
  const name = `${kind.name} ${randomBytes(3).toString('hex')}`;
  const model = await server.inventory.createModel({
    category,
    manufacturer: 'Acme',
    name,
    specs: kind.specs,
    imageUrl: null,
    priceCents: kind.priceCents,
    requestable: true,
    eligibleRoles: [],
    eligibleDepartments: [],
    leadTimeDays: options.leadTimeDays ?? 10,
  });
  for (const tag of tags) {
    await server.inventory.createAsset({
      tag,
      serial: `SN-${tag}`,
      modelId: model.id,
      status: 'in_stock',
      location: 'Store',
      purchaseDate: '2026-01-15',
      warrantyEnd: '2029-01-15',
      notes: '',
    });
  }
  return { id: model.id, name };
}

/** An asset tag no other test uses: `LT-3F9A0C`. */
export function newTag(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex').toUpperCase()}`;
}

/** A manager and one report of theirs, both throwaway people of this server. */
export async function addTeam(server: Pick<TestServer, 'addPerson'>): Promise<{ boss: ThrowawayPerson; employee: ThrowawayPerson }> {
  const boss = await server.addPerson({ role: 'manager', prefix: 'boss' });
  const employee = await server.addPerson({ manager: boss.username, prefix: 'emp' });
  return { boss, employee };
}
