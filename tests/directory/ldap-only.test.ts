/**
 * LDAP behaviour beyond the directory contract, on the run's shared slapd: outages, timeouts,
 * refused service accounts, logging, disabled accounts, names that need escaping.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Attribute, Change } from 'ldapts';
import { describe, expect, inject, it } from 'vitest';
import { DEMO_PASSWORD } from '../../server/demo/company.js';
import { createLdapDirectory } from '../../server/directory/ldap.js';
import { DirectoryUnavailableError } from '../../server/directory/port.js';
import { freePort } from '../harness/ports.js';
import { addLdapUser, withLdapAdmin } from '../harness/slapd.js';
import { REFUSED, ldapConfig, recordingLogger } from './fixtures.js';

const slapd = inject('slapd');

describe.skipIf(!slapd)('LDAP directory beyond the contract', () => {
  const server = slapd!;

  /** A TCP port where nothing listens. */
  async function closedPortUrl(): Promise<string> {
    return `ldap://127.0.0.1:${await freePort()}`;
  }

  it('refuses an empty or non-string password before contacting the server (AD accepts an empty bind as anonymous)', async () => {
    // Nothing listens at this URL: any attempt to connect would throw DirectoryUnavailableError.
    const directory = createLdapDirectory(ldapConfig(server, { url: await closedPortUrl(), timeoutMs: 500 }));
    for (const password of ['', undefined, null, 0, [DEMO_PASSWORD], {}]) {
      expect(await directory.authenticate('alice', password as string), JSON.stringify(password)).toStrictEqual(REFUSED);
    }
    for (const username of ['', undefined, null, ['alice']]) {
      expect(await directory.authenticate(username as string, DEMO_PASSWORD), JSON.stringify(username)).toStrictEqual(REFUSED);
    }
  });

  it('reports an unreachable server as unavailable, never as a wrong password', async () => {
    const directory = createLdapDirectory(ldapConfig(server, { url: await closedPortUrl(), timeoutMs: 1_000 }));
    await expect(directory.ping()).rejects.toBeInstanceOf(DirectoryUnavailableError);
    await expect(directory.authenticate('alice', DEMO_PASSWORD)).rejects.toBeInstanceOf(DirectoryUnavailableError);
    await expect(directory.findUser('alice')).rejects.toBeInstanceOf(DirectoryUnavailableError);
    await expect(directory.lockStatus('alice')).rejects.toBeInstanceOf(DirectoryUnavailableError);
    await directory.close();
  });

  it('gives up on a server that accepts connections but never answers, within the configured timeout', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      for (const startTls of [false, true]) {
        const directory = createLdapDirectory(ldapConfig(server, { url: `ldap://127.0.0.1:${port}`, timeoutMs: 300, startTls }));
        const started = Date.now();
        await expect(directory.authenticate('alice', DEMO_PASSWORD)).rejects.toBeInstanceOf(DirectoryUnavailableError);
        expect(Date.now() - started).toBeLessThan(3_000);
        await directory.close();
      }
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('treats a refused service account as an outage, so users are not told their password is wrong', async () => {
    const servicePassword = 'Service-Secret-7f3a';
    const logger = recordingLogger();
    const directory = createLdapDirectory(ldapConfig(server, { bindPassword: servicePassword }), { logger });
    const userPassword = 'User-Secret-91bc';
    const error = await directory.authenticate('alice', userPassword).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DirectoryUnavailableError);
    await expect(directory.ping()).rejects.toBeInstanceOf(DirectoryUnavailableError);
    // No password in the error, its cause or the log.
    const text = `${String(error)} ${String((error as Error).cause)} ${(error as Error).stack ?? ''} ${logger.lines.join('\n')}`;
    expect(logger.lines.length).toBeGreaterThan(0);
    expect(text).not.toContain(servicePassword);
    expect(text).not.toContain(userPassword);
  });

  it('never logs the password of a sign-in, right or wrong', async () => {
    const logger = recordingLogger();
    const directory = createLdapDirectory(ldapConfig(server), { logger });
    const person = `sign-in-${randomBytes(4).toString('hex')}`;
    const password = `Correct-${randomBytes(6).toString('hex')}`;
    await addLdapUser(server, { username: person, password });
    const wrong = `Wrong-${randomBytes(6).toString('hex')}`;
    expect(await directory.authenticate(person, wrong)).toStrictEqual(REFUSED);
    expect(await directory.authenticate('nobody-by-this-name', wrong)).toStrictEqual(REFUSED);
    expect(await directory.authenticate(person, password)).toMatchObject({ ok: true });
    expect(logger.lines.length).toBeGreaterThan(0);
    for (const line of logger.lines) {
      expect(line).not.toContain(wrong);
      expect(line).not.toContain(password);
    }
  });

  it('refuses StartTLS against a server that cannot do TLS instead of falling back to plain text', async () => {
    const directory = createLdapDirectory(ldapConfig(server, { startTls: true }));
    await expect(directory.ping()).rejects.toBeInstanceOf(DirectoryUnavailableError);
    await expect(directory.authenticate('alice', DEMO_PASSWORD)).rejects.toBeInstanceOf(DirectoryUnavailableError);
  });

  it('treats a permanently locked (administratively disabled) account as disabled, and unlock does not re-enable it', async () => {
    const directory = createLdapDirectory(ldapConfig(server));
    const username = `disabled-${randomBytes(4).toString('hex')}`;
    const password = `Disabled-${randomBytes(6).toString('hex')}`;
    const dn = await addLdapUser(server, { username, password, groups: ['staff'] });
    expect(await directory.authenticate(username, password)).toMatchObject({ ok: true });

    await withLdapAdmin(server, (client) =>
      client.modify(
        dn,
        new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdAccountLockedTime', values: ['000001010000Z'] }) }),
      ),
    );
    expect(await directory.authenticate(username, password)).toStrictEqual(REFUSED);
    expect(await directory.findUser(username)).toMatchObject({ username, disabled: true, groups: ['staff'] });
    // Disabled is not "locked out by failed sign-ins": help desk's unlock must leave it alone.
    expect(await directory.lockStatus(username)).toStrictEqual({ locked: false, lockedAt: null });
    await directory.unlock(username);
    expect(await directory.authenticate(username, password)).toStrictEqual(REFUSED);
    expect(await directory.findUser(username)).toMatchObject({ disabled: true });
  });

  it('handles people whose names need escaping in DNs and filters, and non-ASCII names and passwords', async () => {
    const directory = createLdapDirectory(ldapConfig(server));
    const suffix = randomBytes(3).toString('hex');
    // A comma, plus and equals sign in the RDN, and a non-ASCII name: the member DN in the group
    // filter must match what the server stored.
    const username = `kim,lee+o=${suffix}`;
    const password = `Pässwörd-✓-${suffix}`;
    await addLdapUser(server, {
      username,
      password,
      displayName: `Zoë Ünal ${suffix}`,
      email: `zoe.${suffix}@example.com`,
      groups: ['staff', 'portal-helpdesk'],
    });

    expect(await directory.authenticate(username, password)).toMatchObject({
      ok: true,
      user: { username, displayName: `Zoë Ünal ${suffix}`, groups: ['portal-helpdesk', 'staff'] },
    });
    expect(await directory.authenticate(username, 'Passwort-falsch')).toStrictEqual(REFUSED);
    expect((await directory.searchUsers(`ünal ${suffix}`, 5)).map((u) => u.username)).toEqual([username]);
    expect((await directory.searchUsers(`ZOË ÜNAL ${suffix}`, 5)).map((u) => u.username)).toEqual([username]);
    expect(await directory.findUser(username)).toMatchObject({ username });
    // Success cleared the one failure above; nothing is left locked.
    expect(await directory.lockStatus(username)).toStrictEqual({ locked: false, lockedAt: null });
  });

  it('resolves a manager who no longer exists to no manager rather than failing', async () => {
    const directory = createLdapDirectory(ldapConfig(server));
    const username = `orphan-${randomBytes(4).toString('hex')}`;
    await addLdapUser(server, { username, password: 'Orphan-pass-123', manager: `left-the-company-${randomBytes(4).toString('hex')}` });
    expect(await directory.findUser(username)).toMatchObject({ username, manager: null });
  });
});
