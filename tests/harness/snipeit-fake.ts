import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A contract fake of Snipe-IT's REST API v1, written from its published API documentation
 * (Snipe-IT cannot run here): the same paths, `limit`/`offset` pagination answering
 * `{total, rows}`, bearer-token auth, objects nested the way Snipe-IT nests them
 * (`model: {id, name}`, `status_label: {id, name, status_meta}`, dates as `{date, formatted}`),
 * and its habit of answering HTTP 200 with `{"status":"error","messages":…,"payload":null}` for
 * many failures (a duplicate tag, a missing asset, a refused checkout). Only what the portal's
 * adapter uses is here. Case-insensitive comparisons mirror MySQL's default collation.
 */

interface Named {
  id: number;
  name: string;
}
interface StatusLabel extends Named {
  type: 'deployable' | 'pending' | 'archived' | 'undeployable';
}
interface FakeAsset {
  id: number;
  asset_tag: string;
  serial: string | null;
  model_id: number;
  status_id: number;
  rtd_location_id: number | null;
  assigned_user: number | null;
  notes: string | null;
  purchase_date: string | null;
  warranty_months: number | null;
  created_at: string;
  updated_at: string;
}
interface FakeModel extends Named {
  category_id: number;
  manufacturer_id: number;
  notes: string | null;
  requestable: boolean;
}
interface FakeUser {
  id: number;
  username: string;
  first_name: string;
  last_name: string;
}
interface LogRow {
  id: number;
  action_type: string;
  item_id: number;
  target_id: number | null;
  note: string | null;
  log_meta: Record<string, { old: unknown; new: unknown }> | null;
  created_at: string;
}

export interface SnipeItFake {
  url: string;
  token: string;
  /** Status label ids, as an admin would configure them in SNIPEIT_*_STATUS_ID. */
  statusIds: { inStock: number; reserved: number; inRepair: number; retired: number; lost: number };
  /** Requests seen, e.g. to check pagination or auth. */
  requests: string[];
  /** Makes the next calls fail the way an outage would: a 500, or a hang longer than any timeout. */
  failWith: 'none' | 'server_error' | 'hang';
  close(): Promise<void>;
}

export async function startSnipeItFake(): Promise<SnipeItFake> {
  const token = randomBytes(24).toString('hex');
  let nextId = 100;
  const id = () => ++nextId;
  const now = () => new Date().toISOString();
  const statuses: StatusLabel[] = [
    { id: 2, name: 'Ready to Deploy', type: 'deployable' },
    { id: 3, name: 'Out for Repair', type: 'undeployable' },
    { id: 4, name: 'Archived', type: 'archived' },
    { id: 5, name: 'Lost/Stolen', type: 'undeployable' },
    { id: 7, name: 'Reserved (IT portal)', type: 'pending' },
  ];
  const categories: Named[] = ['Laptops', 'Phones', 'Monitors', 'Peripherals', 'Accessories', 'Loaners'].map((name, i) => ({ id: i + 1, name }));
  const manufacturers: Named[] = [];
  const locations: Named[] = [];
  const models: FakeModel[] = [];
  const assets: FakeAsset[] = [];
  const users: FakeUser[] = [
    { id: 11, username: 'alice', first_name: 'Alice', last_name: 'Employee' },
    { id: 12, username: 'bob', first_name: 'Bob', last_name: 'Employee' },
  ];
  const log: LogRow[] = [];

  const ci = (a: string | null | undefined, b: string) => (a ?? '').toLowerCase() === b.toLowerCase();
  const contains = (a: string | null | undefined, q: string) => (a ?? '').toLowerCase().includes(q.toLowerCase());
  const dateObj = (d: string | null) => (d ? { date: d, formatted: d } : null);
  const error = (messages: unknown) => ({ status: 'error', messages, payload: null });
  const page = <T>(rows: T[], q: URLSearchParams) => {
    const limit = Math.min(Number(q.get('limit') ?? 50), 500);
    const offset = Number(q.get('offset') ?? 0);
    return { total: rows.length, rows: rows.slice(offset, offset + limit) };
  };
  const addMonths = (date: string, months: number) => {
    const d = new Date(`${date}T00:00:00Z`);
    d.setUTCMonth(d.getUTCMonth() + months);
    return d.toISOString().slice(0, 10);
  };
  const writeLog = (row: Omit<LogRow, 'id' | 'created_at'>) => log.push({ ...row, id: id(), created_at: now() });

  const showModel = (m: FakeModel) => ({
    id: m.id,
    name: m.name,
    manufacturer: manufacturers.find((x) => x.id === m.manufacturer_id) ?? null,
    category: categories.find((x) => x.id === m.category_id) ?? null,
    notes: m.notes,
    requestable: m.requestable,
    assets_count: assets.filter((a) => a.model_id === m.id).length,
    image: null,
    updated_at: { datetime: now(), formatted: now() },
  });
  const showAsset = (a: FakeAsset) => {
    const model = models.find((m) => m.id === a.model_id)!;
    const status = statuses.find((s) => s.id === a.status_id)!;
    const user = users.find((u) => u.id === a.assigned_user);
    const location = locations.find((l) => l.id === a.rtd_location_id) ?? null;
    return {
      id: a.id,
      name: null,
      asset_tag: a.asset_tag,
      serial: a.serial,
      model: { id: model.id, name: model.name },
      category: categories.find((c) => c.id === model.category_id),
      manufacturer: manufacturers.find((x) => x.id === model.manufacturer_id),
      status_label: { id: status.id, name: status.name, status_type: status.type, status_meta: user ? 'deployed' : status.type },
      assigned_to: user ? { id: user.id, username: user.username, name: `${user.first_name} ${user.last_name}`, type: 'user' } : null,
      location,
      rtd_location: location,
      notes: a.notes,
      purchase_date: dateObj(a.purchase_date),
      warranty_months: a.warranty_months ? `${a.warranty_months} months` : null,
      warranty_expires: a.purchase_date && a.warranty_months ? dateObj(addMonths(a.purchase_date, a.warranty_months)) : null,
      created_at: { datetime: a.created_at, formatted: a.created_at },
      updated_at: { datetime: a.updated_at, formatted: a.updated_at },
    };
  };
  const rtd = (a: FakeAsset) => a.assigned_user === null && statuses.find((s) => s.id === a.status_id)?.type === 'deployable';

  async function handle(method: string, path: string, q: URLSearchParams, body: Record<string, any>): Promise<[number, unknown]> {
    let m: RegExpMatchArray | null;
    if (method === 'GET' && path === '/api/v1/statuslabels') return [200, page(statuses, q)];
    if (method === 'GET' && path === '/api/v1/categories') return [200, page(categories, q)];
    if (path === '/api/v1/manufacturers' || path === '/api/v1/locations') {
      const list = path.endsWith('manufacturers') ? manufacturers : locations;
      if (method === 'GET') return [200, page(list.filter((x) => !q.get('search') || contains(x.name, q.get('search')!)), q)];
      if (method === 'POST') {
        if (!body.name) return [200, error({ name: ['The name field is required.'] })];
        const row = { id: id(), name: String(body.name) };
        list.push(row);
        return [200, { status: 'success', messages: 'Created.', payload: row }];
      }
    }
    if (method === 'GET' && path === '/api/v1/users') {
      const rows = users.filter((u) => (!q.get('username') || ci(u.username, q.get('username')!)) && (!q.get('search') || contains(u.username, q.get('search')!)));
      return [200, page(rows.map((u) => ({ ...u, name: `${u.first_name} ${u.last_name}` })), q)];
    }
    if (path === '/api/v1/models' && method === 'GET') {
      const search = q.get('search');
      const rows = models.filter((x) => !search || contains(x.name, search) || contains(x.notes, search));
      return [200, page(rows.sort((a, b) => a.id - b.id).map(showModel), q)];
    }
    if (path === '/api/v1/models' && method === 'POST') {
      const problems: Record<string, string[]> = {};
      if (!body.name) problems.name = ['The name field is required.'];
      if (!categories.some((c) => c.id === Number(body.category_id))) problems.category_id = ['The selected category id is invalid.'];
      if (Object.keys(problems).length) return [200, error(problems)];
      const row: FakeModel = { id: id(), name: body.name, category_id: Number(body.category_id), manufacturer_id: Number(body.manufacturer_id), notes: body.notes ?? null, requestable: !!body.requestable };
      models.push(row);
      return [200, { status: 'success', messages: 'Model created.', payload: showModel(row) }];
    }
    if ((m = path.match(/^\/api\/v1\/models\/(\d+)$/))) {
      const row = models.find((x) => x.id === Number(m![1]));
      if (!row) return [200, error('Model not found')];
      if (method === 'GET') return [200, showModel(row)];
      if (method === 'PATCH' || method === 'PUT') {
        Object.assign(row, {
          ...(body.name !== undefined ? { name: body.name } : {}),
          ...(body.category_id !== undefined ? { category_id: Number(body.category_id) } : {}),
          ...(body.manufacturer_id !== undefined ? { manufacturer_id: Number(body.manufacturer_id) } : {}),
          ...(body.notes !== undefined ? { notes: body.notes } : {}),
          ...(body.requestable !== undefined ? { requestable: !!body.requestable } : {}),
        });
        return [200, { status: 'success', messages: 'Model updated.', payload: showModel(row) }];
      }
    }
    if (path === '/api/v1/hardware' && method === 'GET') {
      const search = q.get('search');
      let rows = assets.filter(
        (a) =>
          (!q.get('model_id') || a.model_id === Number(q.get('model_id'))) &&
          (!q.get('status_id') || a.status_id === Number(q.get('status_id'))) &&
          (!q.get('category_id') || models.find((x) => x.id === a.model_id)?.category_id === Number(q.get('category_id'))) &&
          (!q.get('assigned_to') || (q.get('assigned_type') === 'user' && a.assigned_user === Number(q.get('assigned_to')))) &&
          (q.get('status') !== 'RTD' || rtd(a)) &&
          (q.get('status') !== 'Deployed' || a.assigned_user !== null) &&
          (!search || contains(a.asset_tag, search) || contains(a.serial, search) || contains(models.find((x) => x.id === a.model_id)?.name, search)),
      );
      const sort = q.get('sort') === 'asset_tag' ? (a: FakeAsset, b: FakeAsset) => a.asset_tag.localeCompare(b.asset_tag) : (a: FakeAsset, b: FakeAsset) => a.id - b.id;
      rows = rows.sort(sort);
      if (q.get('order') === 'desc') rows.reverse();
      return [200, page(rows.map(showAsset), q)];
    }
    if (path === '/api/v1/hardware' && method === 'POST') {
      const problems: Record<string, string[]> = {};
      if (!body.asset_tag) problems.asset_tag = ['The asset tag field is required.'];
      else if (assets.some((a) => ci(a.asset_tag, body.asset_tag))) problems.asset_tag = ['The asset tag must be unique.'];
      if (!models.some((x) => x.id === Number(body.model_id))) problems.model_id = ['The selected model id is invalid.'];
      if (!statuses.some((s) => s.id === Number(body.status_id))) problems.status_id = ['The selected status id is invalid.'];
      if (Object.keys(problems).length) return [200, error(problems)];
      const row: FakeAsset = {
        id: id(),
        asset_tag: body.asset_tag,
        serial: body.serial ?? null,
        model_id: Number(body.model_id),
        status_id: Number(body.status_id),
        rtd_location_id: body.rtd_location_id ? Number(body.rtd_location_id) : null,
        assigned_user: null,
        notes: body.notes ?? null,
        purchase_date: body.purchase_date ?? null,
        warranty_months: body.warranty_months ? Number(body.warranty_months) : null,
        created_at: now(),
        updated_at: now(),
      };
      assets.push(row);
      writeLog({ action_type: 'create new', item_id: row.id, target_id: null, note: null, log_meta: null });
      return [200, { status: 'success', messages: 'Asset created successfully. :)', payload: showAsset(row) }];
    }
    if ((m = path.match(/^\/api\/v1\/hardware\/bytag\/(.+)$/)) && method === 'GET') {
      const row = assets.find((a) => ci(a.asset_tag, decodeURIComponent(m![1]!)));
      return row ? [200, showAsset(row)] : [200, error('Asset does not exist.')];
    }
    if ((m = path.match(/^\/api\/v1\/hardware\/byserial\/(.+)$/)) && method === 'GET') {
      const rows = assets.filter((a) => ci(a.serial, decodeURIComponent(m![1]!)));
      return [200, { total: rows.length, rows: rows.map(showAsset) }];
    }
    if ((m = path.match(/^\/api\/v1\/hardware\/(\d+)(\/checkout|\/checkin)?$/))) {
      const row = assets.find((a) => a.id === Number(m![1]));
      if (!row) return [200, error('Asset does not exist.')];
      if (!m[2] && method === 'GET') return [200, showAsset(row)];
      if (!m[2] && (method === 'PATCH' || method === 'PUT')) {
        const meta: LogRow['log_meta'] = {};
        for (const field of ['status_id', 'serial', 'model_id', 'notes', 'rtd_location_id', 'purchase_date', 'warranty_months'] as const) {
          if (body[field] === undefined) continue;
          const value = ['status_id', 'model_id', 'rtd_location_id', 'warranty_months'].includes(field) && body[field] !== null ? Number(body[field]) : body[field];
          if ((row as any)[field] !== value) meta[field] = { old: (row as any)[field], new: value };
          (row as any)[field] = value;
        }
        row.updated_at = now();
        writeLog({ action_type: 'update', item_id: row.id, target_id: null, note: null, log_meta: meta });
        return [200, { status: 'success', messages: 'Asset updated successfully.', payload: showAsset(row) }];
      }
      if (m[2] === '/checkout' && method === 'POST') {
        if (row.assigned_user !== null) return [200, error('That asset is not available for checkout!')];
        if (body.checkout_to_type !== 'user') return [200, error({ checkout_to_type: ['The checkout to type field is required.'] })];
        const user = users.find((u) => u.id === Number(body.assigned_user));
        if (!user) return [200, error({ assigned_user: ['The selected assigned user is invalid.'] })];
        if (body.status_id) row.status_id = Number(body.status_id);
        if (statuses.find((s) => s.id === row.status_id)?.type !== 'deployable') return [200, error('That asset is not available for checkout!')];
        row.assigned_user = user.id;
        row.updated_at = now();
        writeLog({ action_type: 'checkout', item_id: row.id, target_id: user.id, note: body.note ?? null, log_meta: null });
        return [200, { status: 'success', messages: 'Asset checked out successfully.', payload: { asset: row.asset_tag } }];
      }
      if (m[2] === '/checkin' && method === 'POST') {
        if (row.assigned_user === null) return [200, error('That asset is already checked in.')];
        const from = row.assigned_user;
        const meta: LogRow['log_meta'] = {};
        if (body.status_id && Number(body.status_id) !== row.status_id) meta.status_id = { old: row.status_id, new: Number(body.status_id) };
        if (body.status_id) row.status_id = Number(body.status_id);
        row.assigned_user = null;
        row.updated_at = now();
        writeLog({ action_type: 'checkin from', item_id: row.id, target_id: from, note: body.note ?? null, log_meta: meta });
        return [200, { status: 'success', messages: 'Asset checked in successfully.', payload: { asset: row.asset_tag } }];
      }
    }
    if (method === 'GET' && path === '/api/v1/reports/activity') {
      const rows = log
        .filter((l) => q.get('item_type') === 'asset' && l.item_id === Number(q.get('item_id')))
        .sort((a, b) => (q.get('order') === 'asc' ? a.id - b.id : b.id - a.id))
        .map((l) => {
          const user = users.find((u) => u.id === l.target_id);
          return {
            id: l.id,
            action_type: l.action_type,
            created_at: { datetime: l.created_at, formatted: l.created_at },
            admin: { id: 1, username: 'portal-api', name: 'IT Portal' },
            item: { id: l.item_id, type: 'asset' },
            target: user ? { id: user.id, name: `${user.first_name} ${user.last_name}`, username: user.username, type: 'user' } : null,
            note: l.note,
            log_meta: l.log_meta && Object.keys(l.log_meta).length ? l.log_meta : null,
          };
        });
      return [200, page(rows, q)];
    }
    return [404, error('404 endpoint not found')];
  }

  const fake: SnipeItFake = {
    url: '',
    token,
    statusIds: { inStock: 2, reserved: 7, inRepair: 3, retired: 4, lost: 5 },
    requests: [],
    failWith: 'none',
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      fake.requests.push(`${req.method} ${url.pathname}${url.search}`);
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (fake.failWith === 'hang') return;
      if (fake.failWith === 'server_error') return send(500, { message: 'Server Error' });
      if (req.headers.authorization !== `Bearer ${token}`) return send(401, { status: 'error', messages: 'Unauthorized.', payload: null });
      if (req.headers.accept !== 'application/json') return send(406, { message: 'Send Accept: application/json' });
      let body: Record<string, unknown> = {};
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
      } catch {
        return send(400, error('Invalid JSON'));
      }
      handle(req.method ?? 'GET', url.pathname, url.searchParams, body).then(
        ([status, payload]) => send(status, payload),
        (e: unknown) => send(500, { message: String(e) }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  server.on('connection', (socket) => socket.unref());
  return fake;
}
