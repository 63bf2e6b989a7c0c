import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HireView, isStaffGroup, type RoleBundleList, type RoleBundleView } from '../../shared/onboarding.js';
import { addBuiltinPerson } from '../directory/fixtures.js';
import { availableDialects } from '../harness/db.js';
import { buildTestAppWithMail, signInAs, type TestApp } from '../harness/app.js';
import type { SmtpCapture } from '../harness/smtp.js';

/**
 * Onboarding end to end on the server: HR adds a hire, jobs create the account disabled with the
 * role's groups and equipment, the clock moves to local midnight of the start date in the hire's
 * zone, the activation mail arrives at a real SMTP server, the hire sets a password and signs in.
 * Also: a moved start date moves the activation, a cancelled hire gives its stock back, bad input
 * changes nothing, and who may do what.
 */
describe.each(availableDialects())('onboarding (%s)', (dialect) => {
  let t: TestApp & { smtp: SmtpCapture };
  let hr: string;
  let manager: { username: string; email: string };

  beforeAll(async () => {
    t = await buildTestAppWithMail({ dialect });
    hr = await signInAs(t, 'ruth');
    manager = await t.addPerson({ role: 'manager', prefix: 'mgr' });
  }, 60_000);
  afterAll(() => t?.close());

  const base = () => ({
    firstName: 'Jane',
    lastName: 'Doe',
    personalEmail: `jane.${Math.random().toString(36).slice(2, 8)}@personal.example.net`,
    startDate: '2026-12-07',
    timeZone: 'Asia/Tokyo',
    department: 'Engineering',
    title: 'Engineer',
    manager: manager.username,
  });

  async function addHire(body: Record<string, unknown>, cookie = hr): Promise<HireView> {
    const response = await t.request('POST', '/api/onboarding/hires', { json: body, cookie });
    expect(response.status, await response.clone().text()).toBe(201);
    return (await response.json()) as HireView;
  }
  async function hire(id: number): Promise<HireView> {
    const response = await t.request('GET', `/api/onboarding/hires/${id}`, { cookie: hr });
    expect(response.status).toBe(200);
    return (await response.json()) as HireView;
  }
  /** Moves the clock; HR signs in again (a session idles out over the days the story skips). */
  async function at(time: string): Promise<void> {
    t.clock.set(Date.parse(time));
    hr = await signInAs(t, 'ruth');
  }
  const item = (h: HireView, key: string) => h.checklist.find((i) => i.key === key)!;
  const count = async (table: 'hires' | 'jobs' | 'device_requests') =>
    Number(
      (
        await t.deps.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const tokenIn = (text: string) => /\/activate#token=([A-Za-z0-9_-]{43})/.exec(text)?.[1] ?? null;
  const inStock = async (modelId: string) => (await t.deps.inventory.getModel(modelId))!.inStock;

  it('Tokyo: the account waits disabled, wakes at local midnight of the start date, and the hire activates and signs in', async () => {
    await at('2026-11-24T09:00:00Z');
    const bundles = (await (await t.request('GET', '/api/onboarding/bundles', { cookie: hr })).json()) as { items: RoleBundleView[] };
    const engineer = bundles.items.find((b) => b.key === 'engineer')!;
    expect(engineer.autoApprove).toBe(true);
    const laptop = engineer.items[0]!.modelId;
    const laptopsBefore = await inStock(laptop);

    const created = await addHire({ ...base(), firstName: ' Ümit ', lastName: 'Yılmaz', role: 'engineer' });
    expect(created).toMatchObject({ username: 'umit.yilmaz', status: 'scheduled', startDate: '2026-12-07', timeZone: 'Asia/Tokyo' });
    // Local 00:00 in Tokyo (UTC+9, no DST) is 15:00 UTC the day before.
    expect(created.activatesAt).toBe('2026-12-06T15:00:00.000Z');
    expect(item(created, 'account_created').state).toBe('pending');
    // The request wrote nothing to the directory.
    expect(await t.deps.directory.findUser('umit.yilmaz')).toBeNull();

    await t.drainJobs();
    const account = await t.deps.directory.findUser('umit.yilmaz');
    expect(account).toMatchObject({ disabled: true, manager: manager.username, department: 'Engineering', title: 'Engineer' });
    expect(account!.groups).toContain('engineering');
    let view = await hire(created.id);
    expect(item(view, 'account_created').state).toBe('done');
    expect(item(view, 'groups_added').state).toBe('done');
    // The bundle's equipment: asked for on the hire's behalf by HR, approved at once and reserved.
    expect(view.requestIds).toHaveLength(2);
    expect(item(view, 'equipment_reserved')).toMatchObject({ state: 'done', detail: '2 of 2' });
    expect(await inStock(laptop)).toBe(laptopsBefore - 1);
    const request = await t.deps.db
      .selectFrom('device_requests')
      .selectAll()
      .where('id', '=', view.requestIds[0]!)
      .executeTakeFirstOrThrow();
    expect(request).toMatchObject({ requester: 'umit.yilmaz', created_by: 'ruth', status: 'approved' });
    // The hire's page names each request by what was asked for and where it stands (read in the same
    // order as requestIds), in the single view and in the list alike.
    const asked = await t.deps.db
      .selectFrom('device_requests')
      .select(['id', 'model_name', 'status'])
      .where('id', 'in', view.requestIds)
      .execute();
    const expected = view.requestIds.map((id) => {
      const row = asked.find((r) => r.id === id)!;
      return { requestId: id, modelName: row.model_name, status: row.status };
    });
    expect(view.equipment).toEqual(expected);
    expect(view.equipment.every((e) => e.modelName.length > 0 && e.status === 'approved')).toBe(true);
    const listed = (await (await t.request('GET', '/api/onboarding/hires', { cookie: hr })).json()) as { items: HireView[] };
    expect(listed.items.find((h) => h.id === created.id)!.equipment).toEqual(expected);
    // A disabled account cannot sign in.
    expect((await t.request('POST', '/api/auth/login', { json: { username: 'umit.yilmaz', password: 'whatever-at-all' } })).status).toBe(
      401,
    );

    // The day before at 09:00 Tokyo: the manager and HR hear "not ready" (nothing handed over yet).
    await at('2026-12-05T23:59:00Z');
    await t.drainJobs();
    expect(t.smtp.to(manager.email)).toHaveLength(0);
    await at('2026-12-06T00:00:00Z');
    await t.drainJobs();
    const summary = await t.smtp.waitFor(manager.email);
    expect(summary.subject).toContain('Not ready');
    expect(summary.text).toContain('umit.yilmaz');
    expect(summary.text).toContain('Equipment shipped');

    // One second before local midnight: still asleep.
    await at('2026-12-06T14:59:59Z');
    await t.drainJobs();
    expect(t.smtp.to(created.personalEmail!)).toHaveLength(0);
    expect((await t.deps.directory.findUser('umit.yilmaz'))!.disabled).toBe(true);

    await at('2026-12-06T15:00:00Z');
    await t.drainJobs();
    expect((await t.deps.directory.findUser('umit.yilmaz'))!.disabled).toBe(false);
    const mail = await t.smtp.waitFor(created.personalEmail!);
    expect(mail.subject).not.toMatch(/token/);
    expect(mail.text).toContain('umit.yilmaz');
    const token = tokenIn(mail.text)!;
    expect(token).toBeTruthy();
    view = await hire(created.id);
    expect(view.status).toBe('active');
    expect(item(view, 'activation_sent').state).toBe('done');

    // The hire's page: greeted by first name, with the password rules.
    const page = await (await t.request('GET', `/api/activation/${token}`)).json();
    expect(page).toMatchObject({ valid: true, firstName: 'Ümit', username: 'umit.yilmaz' });
    expect(page.rules.minLength).toBeGreaterThanOrEqual(12);

    // A password the reset policy refuses keeps the link usable.
    const weak = await t.request('POST', `/api/activation/${token}`, { json: { password: 'umit.yilmaz-2026' } });
    expect(weak.status).toBe(422);
    expect((await weak.json()).error.code).toBe('password_rejected');

    const password = 'Blue-Harbour-Lantern-58';
    const done = await t.request('POST', `/api/activation/${token}`, { json: { password } });
    expect(done.status).toBe(200);
    // Once only.
    const again = await t.request('POST', `/api/activation/${token}`, { json: { password: 'Another-Long-Password-91' } });
    expect(again.status).toBe(410);
    expect((await (await t.request('GET', `/api/activation/${token}`)).json()).valid).toBe(false);

    await signInAs(t, 'umit.yilmaz', password);
    view = await hire(created.id);
    expect(item(view, 'activated').state).toBe('done');
    expect(item(view, 'first_sign_in').state).toBe('done');

    const actions = (await t.deps.db.selectFrom('audit_events').select('action').where('subject', '=', 'umit.yilmaz').execute()).map(
      (r) => r.action,
    );
    expect(actions).toEqual(
      expect.arrayContaining([
        'onboarding.hire_created',
        'onboarding.account_created',
        'onboarding.groups_added',
        'onboarding.account_enabled',
      ]),
    );
  }, 60_000);

  it('Los Angeles across DST: the activation follows the zone, and a moved start date moves it', async () => {
    await at('2026-11-24T09:00:00Z');
    // 15 March 2027 is after the switch to daylight time (PDT, UTC−7).
    const created = await addHire({
      ...base(),
      firstName: 'Lee',
      lastName: 'Park',
      timeZone: 'America/Los_Angeles',
      startDate: '2027-03-15',
    });
    expect(created.activatesAt).toBe('2027-03-15T07:00:00.000Z');
    await t.drainJobs();

    // Moved to 1 December 2026 (PST, UTC−8): old jobs gone, new ones queued, in one change.
    const moved = await t.request('PATCH', `/api/onboarding/hires/${created.id}`, { json: { startDate: '2026-12-01' }, cookie: hr });
    expect(moved.status).toBe(200);
    expect(((await moved.json()) as HireView).activatesAt).toBe('2026-12-01T08:00:00.000Z');
    const jobs = await t.deps.db
      .selectFrom('jobs')
      .select(['unique_key', 'run_at', 'state'])
      .where('unique_key', 'like', `onboarding.activate:${created.id}:%`)
      .execute();
    expect(jobs).toEqual([
      { unique_key: `onboarding.activate:${created.id}:2`, run_at: Date.parse('2026-12-01T08:00:00Z'), state: 'queued' },
    ]);

    await at('2026-12-01T07:59:00Z');
    await t.drainJobs();
    expect(t.smtp.to(created.personalEmail!)).toHaveLength(0);
    await at('2026-12-01T08:00:00Z');
    await t.drainJobs();
    expect(tokenIn((await t.smtp.waitFor(created.personalEmail!)).text)).toBeTruthy();
    // The link is lost: HR sends a new one, and the first stops working.
    const first = tokenIn(t.smtp.to(created.personalEmail!)[0]!.text)!;
    const resent = await t.request('POST', `/api/onboarding/hires/${created.id}/resend-activation`, { json: {}, cookie: hr });
    expect(resent.status).toBe(200);
    await t.drainJobs();
    const second = tokenIn((await t.smtp.waitFor(created.personalEmail!, 1)).text)!;
    expect(second).not.toBe(first);
    expect((await (await t.request('GET', `/api/activation/${first}`)).json()).valid).toBe(false);
    expect((await (await t.request('GET', `/api/activation/${second}`)).json()).valid).toBe(true);
    // The old date passes: nothing happens twice.
    await at('2027-03-16T00:00:00Z');
    await t.drainJobs();
    expect(t.smtp.to(created.personalEmail!)).toHaveLength(2);
    expect((await hire(created.id)).status).toBe('active');
    // Started: changes and cancellation are for offboarding now.
    expect(
      (await t.request('PATCH', `/api/onboarding/hires/${created.id}`, { json: { startDate: '2027-04-01' }, cookie: hr })).status,
    ).toBe(409);
    expect((await t.request('POST', `/api/onboarding/hires/${created.id}/cancel`, { json: {}, cookie: hr })).status).toBe(409);
  }, 60_000);

  it('a changed manager and title reach the directory; an unknown manager is a field error', async () => {
    await at('2026-11-24T09:00:00Z');
    const other = await t.addPerson({ role: 'manager', prefix: 'mgr2' });
    const created = await addHire({ ...base(), firstName: 'Mina', lastName: 'Sato' });
    await t.drainJobs();
    const changed = await t.request('PATCH', `/api/onboarding/hires/${created.id}`, {
      json: { manager: other.username, title: 'Senior Engineer' },
      cookie: hr,
    });
    expect(changed.status).toBe(200);
    await t.drainJobs();
    expect(await t.deps.directory.findUser(created.username)).toMatchObject({ manager: other.username, title: 'Senior Engineer' });
    const unknown = await t.request('PATCH', `/api/onboarding/hires/${created.id}`, {
      json: { manager: 'nobody-here-at-all' },
      cookie: hr,
    });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).error.fields.manager).toBeTruthy();
  }, 60_000);

  it('cancelling a hire withdraws the requests, gives the stock back and leaves the account disabled', async () => {
    await at('2026-11-24T09:00:00Z');
    const created = await addHire({ ...base(), firstName: 'Omar', lastName: 'Haddad', role: 'engineer' });
    await t.drainJobs();
    const before = await hire(created.id);
    const models = await t.deps.db
      .selectFrom('device_requests')
      .select(['id', 'model_id', 'status'])
      .where('id', 'in', before.requestIds)
      .execute();
    expect(models.every((m) => m.status === 'approved')).toBe(true);
    const stockBefore = await Promise.all(models.map((m) => inStock(m.model_id)));

    const cancelled = await t.request('POST', `/api/onboarding/hires/${created.id}/cancel`, {
      json: { reason: 'Offer declined' },
      cookie: hr,
    });
    expect(cancelled.status).toBe(200);
    const view = (await cancelled.json()) as HireView;
    expect(view.status).toBe('cancelled');
    expect(
      await t.deps.db
        .selectFrom('jobs')
        .select('id')
        .where('unique_key', 'like', `onboarding.activate:${created.id}:%`)
        .where('state', '=', 'queued')
        .execute(),
    ).toHaveLength(0);
    await t.drainJobs();
    const after = await t.deps.db.selectFrom('device_requests').select(['id', 'status']).where('id', 'in', before.requestIds).execute();
    expect(after.every((r) => r.status === 'cancelled')).toBe(true);
    expect(await Promise.all(models.map((m) => inStock(m.model_id)))).toEqual(stockBefore.map((n) => n + 1));
    expect((await t.deps.directory.findUser(created.username))!.disabled).toBe(true);
    // Cancelled is final.
    expect((await t.request('POST', `/api/onboarding/hires/${created.id}/cancel`, { json: {}, cookie: hr })).status).toBe(409);
    expect((await t.request('PATCH', `/api/onboarding/hires/${created.id}`, { json: { title: 'X' }, cookie: hr })).status).toBe(409);
  }, 60_000);

  it('a role without auto-approval routes the equipment through the chain to the hire’s manager', async () => {
    await at('2026-11-24T09:00:00Z');
    const created = await addHire({
      ...base(),
      firstName: 'Sam',
      lastName: 'Reyes',
      role: 'sales',
      department: 'Sales',
      title: 'Account Executive',
    });
    await t.drainJobs();
    const view = await hire(created.id);
    expect(view.requestIds).toHaveLength(2);
    const approvers = await t.deps.db
      .selectFrom('request_approvers')
      .select(['approver', 'state'])
      .where('request_id', 'in', view.requestIds)
      .execute();
    expect(approvers).toEqual(expect.arrayContaining([{ approver: manager.username, state: 'pending' }]));
    expect(item(view, 'equipment_reserved').state).toBe('pending');
  }, 60_000);

  it('usernames: collisions in the directory move to the next number; hostile and CJK names give usable ones', async () => {
    await at('2026-11-24T09:00:00Z');
    await addBuiltinPerson(t.deps.db, { username: 'kim.nguyen', password: 'Throwaway-kim-123456', email: 'kim.nguyen@example.com' });
    const kim = await addHire({ ...base(), firstName: 'Kim', lastName: 'Nguyen' });
    expect(kim.username).toBe('kim.nguyen');
    await t.drainJobs();
    expect((await hire(kim.id)).username).toBe('kim.nguyen2');
    expect((await t.deps.directory.findUser('kim.nguyen2'))!.disabled).toBe(true);
    // A former employee's disabled account is never handed to a new person of the same name.
    await addBuiltinPerson(t.deps.db, { username: 'dana.white', password: 'Throwaway-dana-123456', email: 'dana.white@example.com' });
    await t.deps.directory.setEnabled('dana.white', false);
    const dana = await addHire({ ...base(), firstName: 'Dana', lastName: 'White' });
    // A provisioning run that created the account and died before recording it: the next run knows it as its own.
    const lee = await addHire({ ...base(), firstName: 'Lee', lastName: 'Chen' });
    await t.deps.directory.createUser(
      {
        username: 'lee.chen',
        givenName: 'Lee',
        familyName: 'Chen',
        displayName: 'Lee Chen',
        email: 'lee.chen@example.com',
        department: null,
        title: null,
        manager: null,
        employeeNumber: `H${lee.id}`,
      },
      { enabled: false },
    );
    await t.drainJobs();
    expect((await hire(dana.id)).username).toBe('dana.white2');
    expect((await t.deps.directory.findUser('dana.white'))!.disabled).toBe(true);
    expect((await hire(lee.id)).username).toBe('lee.chen');
    expect(await t.deps.directory.findUser('lee.chen2')).toBeNull();
    // A second Kim Nguyen added here skips the names other hires hold.
    const kim2 = await addHire({ ...base(), firstName: 'Kim', lastName: 'Nguyen' });
    expect(kim2.username).not.toBe('kim.nguyen2');

    // Five of the same name at the same moment: five hires, five usernames.
    const same = await Promise.all(
      Array.from({ length: 5 }, () =>
        t.request('POST', '/api/onboarding/hires', { json: { ...base(), firstName: 'Ana', lastName: 'Silva' }, cookie: hr }),
      ),
    );
    expect(same.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    const names = await Promise.all(same.map(async (r) => ((await r.json()) as HireView).username));
    expect(new Set(names).size).toBe(5);

    const hostile = await addHire({ ...base(), firstName: ' ,+"\\<>;#= Eve ', lastName: '  Smith;  ' });
    expect(hostile.username).toBe('eve.smith');
    expect(hostile.displayName).toBe(',+"\\<>;#= Eve Smith;');
    const cjk = await addHire({ ...base(), firstName: '太郎', lastName: '山田', personalEmail: 'taro.yamada@example.jp' });
    expect(cjk.username).toBe('taro.yamada');
    await t.drainJobs();
    expect(await t.deps.directory.findUser('eve.smith')).toMatchObject({ displayName: ',+"\\<>;#= Eve Smith;', disabled: true });
    expect(await t.deps.directory.findUser('taro.yamada')).toMatchObject({ displayName: '太郎 山田' });
  }, 60_000);

  it('bad input is a 400 with a code per field, and stores nothing', async () => {
    const hires = await count('hires');
    const jobs = await count('jobs');
    for (const [bad, field] of [
      [{ startDate: '2026-02-30' }, 'startDate'],
      [{ timeZone: 'Mars/Olympus' }, 'timeZone'],
      [{ firstName: '   ' }, 'firstName'],
      [{ personalEmail: 'not an address' }, 'personalEmail'],
      [{ manager: 'nobody-at-all-here' }, 'manager'],
      [{ role: 'astronaut' }, 'role'],
      [{ startDate: '2026-01-05' }, 'startDate'],
    ] as const) {
      const response = await t.request('POST', '/api/onboarding/hires', { json: { ...base(), ...bad }, cookie: hr });
      const body = await response.json();
      expect({ bad, status: response.status, code: body.error.code, field: Object.keys(body.error.fields ?? {}) }).toEqual({
        bad,
        status: 400,
        code: 'validation_failed',
        field: [field],
      });
    }
    expect(await count('hires')).toBe(hires);
    expect(await count('jobs')).toBe(jobs);
  }, 60_000);

  it('only HR and admins onboard; HR cannot onboard themselves or grant staff groups', async () => {
    const hires = await count('hires');
    for (const name of ['alice', 'hana', 'mark']) {
      const cookie = await signInAs(t, name);
      expect((await t.request('POST', '/api/onboarding/hires', { json: base(), cookie })).status).toBe(403);
    }
    // Reading: an employee nothing; the help desk every hire, without personal addresses; a manager only their own hires.
    expect((await t.request('GET', '/api/onboarding/hires', { cookie: await signInAs(t, 'alice') })).status).toBe(403);
    const desk = (await (await t.request('GET', '/api/onboarding/hires', { cookie: await signInAs(t, 'hana') })).json()) as {
      items: HireView[];
    };
    expect(desk.items.length).toBe(hires);
    expect(desk.items.every((h) => h.personalEmail === null)).toBe(true);
    expect(
      ((await (await t.request('GET', '/api/onboarding/hires', { cookie: await signInAs(t, 'mark') })).json()) as { items: HireView[] })
        .items,
    ).toEqual([]);
    const theirs = await t.addPerson({ role: 'manager', prefix: 'mgr3' });
    const mine = await addHire({ ...base(), firstName: 'Noor', lastName: 'Ali', manager: theirs.username });
    const managerCookie = await signInAs(t, theirs.username, theirs.password);
    const seen = (await (await t.request('GET', '/api/onboarding/hires', { cookie: managerCookie })).json()) as { items: HireView[] };
    expect(seen.items.map((h) => h.id)).toEqual([mine.id]);
    expect(seen.items[0]!.checklist.length).toBeGreaterThan(0);
    expect((await t.request('GET', `/api/onboarding/hires/${mine.id - 1}`, { cookie: managerCookie })).status).toBe(404);
    expect((await t.request('PATCH', `/api/onboarding/hires/${mine.id}`, { json: { title: 'Boss' }, cookie: managerCookie })).status).toBe(
      403,
    );
    // Ruth under her own work address, or her own name: refused.
    const ruth = (await t.deps.directory.findUser('ruth'))!;
    const self = await t.request('POST', '/api/onboarding/hires', { json: { ...base(), personalEmail: ruth.email }, cookie: hr });
    expect(self.status).toBe(403);
    const [first, ...rest] = ruth.displayName.split(' ');
    const sameName = await t.request('POST', '/api/onboarding/hires', {
      json: { ...base(), firstName: first, lastName: rest.join(' ') },
      cookie: hr,
    });
    expect(sameName.status).toBe(403);
    expect(await count('hires')).toBe(hires + 1);

    // A bundle that grants admin: HR may not create it; an admin may; HR may not change it then.
    const staffBundle = { key: 'it-admin', name: 'IT admin', groups: ['portal-admins'], items: [], autoApprove: false };
    expect((await t.request('POST', '/api/onboarding/bundles', { json: staffBundle, cookie: hr })).status).toBe(403);
    const adam = await signInAs(t, 'adam');
    const made = await t.request('POST', '/api/onboarding/bundles', { json: staffBundle, cookie: adam });
    expect(made.status).toBe(201);
    expect(((await made.json()) as RoleBundleView).grantsStaff).toBe(true);
    // The list tells the editor which groups are staff groups, and the shared rule reads them as the server does.
    const listedBundles = (await (await t.request('GET', '/api/onboarding/bundles', { cookie: hr })).json()) as RoleBundleList;
    expect(listedBundles.staffGroups).toEqual(expect.arrayContaining(['portal-admins', 'portal-hr', 'portal-helpdesk']));
    expect(listedBundles.staffGroups).not.toContain('portal-managers');
    expect(isStaffGroup(' Portal-Admins ', listedBundles.staffGroups)).toBe(true);
    expect(isStaffGroup('support', listedBundles.staffGroups)).toBe(false);
    // What adam's bundle says it grants is also what the rule says of its groups.
    expect(listedBundles.items.find((b) => b.key === 'it-admin')!.grantsStaff).toBe(true);
    expect((await t.request('PUT', '/api/onboarding/bundles/it-admin', { json: { name: 'IT', groups: [] }, cookie: hr })).status).toBe(403);
    expect((await t.request('DELETE', '/api/onboarding/bundles/it-admin', { cookie: hr })).status).toBe(403);
    // A plain bundle HR may keep; a key twice is a field error; an unknown catalog item too.
    const plain = await t.request('POST', '/api/onboarding/bundles', {
      json: { key: 'support', name: 'Support', groups: ['support'] },
      cookie: hr,
    });
    expect(plain.status).toBe(201);
    const twice = await t.request('POST', '/api/onboarding/bundles', { json: { key: 'support', name: 'Support' }, cookie: hr });
    expect((await twice.json()).error.fields.key).toBeTruthy();
    const ghost = await t.request('POST', '/api/onboarding/bundles', {
      json: { key: 'ghost', name: 'Ghost', items: [{ modelId: '999999' }] },
      cookie: hr,
    });
    expect(ghost.status).toBe(400);
    expect((await t.request('DELETE', '/api/onboarding/bundles/support', { cookie: hr })).status).toBe(200);
  }, 60_000);
});
