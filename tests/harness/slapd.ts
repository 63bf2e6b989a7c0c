/**
 * A real, throwaway OpenLDAP server for tests: slapd 2.5 with the mdb backend and the ppolicy
 * overlay (3 wrong binds lock an account until an admin unlocks it), seeded with the demo
 * company so the LDAP directory and the built-in one are tested against the same people. The
 * portal reaches it as a non-rootdn service account, as in production (see slapd-seed.ts).
 *
 * One server per test run (started by the integration project's global setup); tests that need
 * to lock or change an account create their own throwaway user with `addLdapUser`.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Attribute, Change, Client } from 'ldapts';
import { escapeFilterValue } from '../../server/directory/ldap-escape.js';
import { freePort } from './ports.js';
import {
  ADMIN_DN,
  ADMIN_PASSWORD,
  AD_GROUP_BASE,
  AD_USER_BASE,
  GROUP_BASE,
  POLICY_DN,
  SERVICE_DN,
  SERVICE_PASSWORD,
  SUFFIX,
  USER_BASE,
  activeDirectoryLdif,
  adSchemaText,
  demoCompanyLdif,
  groupDn,
  lastName,
  slapdConf,
  userDn,
} from './slapd-seed.js';

const execFileAsync = promisify(execFile);

const SLAPD = '/usr/sbin/slapd';
const SLAPADD = '/usr/sbin/slapadd';
const OPENSSL = 'openssl';

/** Everything a test needs to reach the server; this part can cross into test workers. */
export interface SlapdConnection {
  /** Plain LDAP (StartTLS-capable when started with `tls: true`). */
  url: string;
  suffix: string;
  /** The rootdn: bypasses ACLs and password policy, so only test setup uses it, never the portal. */
  adminDn: string;
  adminPassword: string;
  /** The portal's service account (an ordinary entry with ACLs, see slapd-seed.ts). */
  serviceDn: string;
  servicePassword: string;
  /** The default ppolicy entry. */
  policyDn: string;
  userBase: string;
  groupBase: string;
  /** PEM file of the throwaway CA that signed the server certificate (only with `tls: true`). */
  caFile?: string;
  /** `ldaps://` URL (only with `tls: true`). */
  ldapsUrl?: string;
  /** Where the Active Directory-shaped copy of the demo company lives (only with `activeDirectory: true`). */
  activeDirectory?: { userBase: string; groupBase: string };
}

export interface SlapdHandle extends SlapdConnection {
  /** Stops slapd, waits for it to exit and removes its files. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartSlapdOptions {
  /** Also make a throwaway CA and server certificate, enable StartTLS and listen on ldaps. */
  tls?: boolean;
  /**
   * Also seed an Active Directory-shaped copy of the demo company under `ou=ad` (user objects
   * with sAMAccountName, memberOf, userAccountControl, unicodePwd as octets) and the domain's
   * password policy on the suffix. slapd does not behave like AD (binds check userPassword, not
   * unicodePwd; no lockoutTime on failed binds): tests set or read those by hand.
   */
  activeDirectory?: boolean;
}

/**
 * The environment that points the portal at a test slapd as its service account. The harness's
 * slapd listens on loopback without TLS, which configuration refuses unless told it is on purpose.
 */
export function slapdPortalEnv(connection: SlapdConnection): Record<string, string> {
  return {
    DIRECTORY: 'ldap',
    LDAP_URL: connection.url,
    LDAP_ALLOW_PLAINTEXT: '1',
    LDAP_BIND_DN: connection.serviceDn,
    LDAP_BIND_PASSWORD: connection.servicePassword,
    LDAP_USER_BASE: connection.userBase,
    LDAP_GROUP_BASE: connection.groupBase,
  };
}

/** A throwaway CA and a server certificate for 127.0.0.1/localhost, valid for two days. */
async function makeCertificates(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const ca = path.join(dir, 'ca.crt');
  const caKey = path.join(dir, 'ca.key');
  const cert = path.join(dir, 'server.crt');
  const key = path.join(dir, 'server.key');
  const csr = path.join(dir, 'server.csr');
  const ext = path.join(dir, 'server.ext');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await execFileAsync(OPENSSL, [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    caKey,
    '-out',
    ca,
    '-days',
    '2',
    '-subj',
    '/CN=IT Portal Test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await execFileAsync(OPENSSL, ['req', ...ec, '-keyout', key, '-out', csr, '-subj', '/CN=localhost']);
  await writeFile(
    ext,
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n',
  );
  await execFileAsync(OPENSSL, [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-out',
    cert,
    '-days',
    '2',
    '-extfile',
    ext,
  ]);
  return { ca, cert, key };
}

/** Resolves once slapd answers a bind as the rootdn; rejects early if slapd exits. */
async function waitUntilAnswering(connection: SlapdConnection, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  let exited: string | null = null;
  child.once('exit', (code, signal) => {
    exited = `slapd exited (code ${code ?? 'none'}, signal ${signal ?? 'none'})`;
  });
  for (;;) {
    if (exited) throw new Error(`${exited} while starting:\n${output()}`);
    try {
      await ldapBind(connection, connection.adminDn, connection.adminPassword);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`slapd did not answer within 15 s:\n${output()}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts a throwaway slapd on free loopback ports, seeded with the demo company.
 * Throws an Error saying so when slapd is not installed (the caller decides whether to skip).
 */
export async function startSlapd(options: StartSlapdOptions = {}): Promise<SlapdHandle> {
  for (const binary of [SLAPD, SLAPADD]) {
    if (!existsSync(binary)) {
      throw new Error(`OpenLDAP is not installed (${binary} is missing); install the slapd and ldap-utils packages to run the LDAP tests`);
    }
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'portal-slapd-'));
  try {
    await mkdir(path.join(dir, 'data'));
    const tls = options.tls ? await makeCertificates(dir) : null;
    const conf = path.join(dir, 'slapd.conf');
    const adSchema = options.activeDirectory ? path.join(dir, 'ad-emulation.schema') : null;
    if (adSchema) await writeFile(adSchema, adSchemaText());
    await writeFile(conf, slapdConf(dir, tls, adSchema));
    const seed = path.join(dir, 'seed.ldif');
    await writeFile(
      seed,
      options.activeDirectory ? `${demoCompanyLdif({ activeDirectory: true })}\n${activeDirectoryLdif()}` : demoCompanyLdif(),
    );
    await execFileAsync(SLAPADD, ['-q', '-f', conf, '-l', seed]);

    // Another process can grab the "free" port between our check and slapd's bind; retry then.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      let tlsPort = tls ? await freePort() : null;
      while (tlsPort === port) tlsPort = await freePort();
      const connection: SlapdConnection = {
        url: `ldap://127.0.0.1:${port}`,
        suffix: SUFFIX,
        adminDn: ADMIN_DN,
        adminPassword: ADMIN_PASSWORD,
        serviceDn: SERVICE_DN,
        servicePassword: SERVICE_PASSWORD,
        policyDn: POLICY_DN,
        userBase: USER_BASE,
        groupBase: GROUP_BASE,
        ...(tls && tlsPort ? { caFile: tls.ca, ldapsUrl: `ldaps://127.0.0.1:${tlsPort}` } : {}),
        ...(options.activeDirectory ? { activeDirectory: { userBase: AD_USER_BASE, groupBase: AD_GROUP_BASE } } : {}),
      };
      const listen = [`${connection.url}/`, ...(connection.ldapsUrl ? [`${connection.ldapsUrl}/`] : [])].join(' ');
      // Any -d keeps slapd in the foreground (our child, so we see it exit); level 32768 ("none")
      // prints only its unclassified messages, i.e. startup errors such as a port already in use.
      const child = spawn(SLAPD, ['-f', conf, '-h', listen, '-d', '32768'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      const keep = (chunk: Buffer) => {
        output = (output + chunk.toString('utf8')).slice(-8_000);
      };
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      // If the test process dies without calling stop(), do not leave slapd behind.
      const killOnExit = () => {
        if (child.pid && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
      };
      process.once('exit', killOnExit);
      try {
        await waitUntilAnswering(connection, child, () => output);
        if (connection.ldapsUrl) await ldapBind({ ...connection, url: connection.ldapsUrl }, ADMIN_DN, ADMIN_PASSWORD);
      } catch (error) {
        process.removeListener('exit', killOnExit);
        if (child.exitCode === null) child.kill('SIGKILL');
        await exited;
        if (attempt < 3 && /bind|address already in use/i.test(output)) continue;
        throw error;
      }

      let stopped = false;
      return {
        ...connection,
        async stop() {
          if (stopped) return;
          stopped = true;
          process.removeListener('exit', killOnExit);
          const pidText = await readFile(path.join(dir, 'slapd.pid'), 'utf8').catch(() => '');
          const pid = Number.parseInt(pidText, 10) || child.pid;
          if (pid && isRunning(pid)) {
            process.kill(pid, 'SIGTERM');
            const timer = setTimeout(() => {
              if (isRunning(pid)) process.kill(pid, 'SIGKILL');
            }, 5_000);
            // Our child's exit event when the pidfile names it (it does: -d keeps slapd from forking).
            if (pid === child.pid) await exited;
            else while (isRunning(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
            clearTimeout(timer);
          }
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Binds as `dn` with `password` on a fresh connection and disconnects; rejects like ldapts does. */
export async function ldapBind(connection: SlapdConnection, dn: string, password: string): Promise<void> {
  const client = new Client({
    url: connection.url,
    connectTimeout: 2_000,
    timeout: 5_000,
    ...(connection.url.startsWith('ldaps:') && connection.caFile ? { tlsOptions: { ca: [await readFile(connection.caFile)] } } : {}),
  });
  try {
    await client.bind(dn, password);
  } finally {
    await client.unbind();
  }
}

/** Runs `work` with a client bound as the rootdn, for test setup that the portal itself cannot do. */
export async function withLdapAdmin<T>(connection: SlapdConnection, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ url: connection.url, connectTimeout: 2_000, timeout: 5_000 });
  try {
    await client.bind(connection.adminDn, connection.adminPassword);
    return await work(client);
  } finally {
    await client.unbind();
  }
}

export interface ThrowawayLdapUser {
  username: string;
  password: string;
  displayName?: string;
  email?: string;
  department?: string;
  title?: string;
  /** Username of the manager (must live under the same user base). */
  manager?: string;
  /** Group names; groups that do not exist yet are created. */
  groups?: string[];
}

/**
 * Adds a user (as the rootdn) so a test can lock, disable or change it without touching the
 * demo people. Returns the new entry's DN.
 */
export async function addLdapUser(connection: SlapdConnection, user: ThrowawayLdapUser): Promise<string> {
  const dn = userDn(user.username, connection.userBase);
  const displayName = user.displayName ?? `Test ${user.username}`;
  const attributes: Record<string, string | string[]> = {
    objectClass: 'inetOrgPerson',
    uid: user.username,
    cn: displayName,
    sn: lastName(displayName),
    displayName,
    userPassword: user.password,
  };
  if (user.email !== undefined) attributes.mail = user.email;
  if (user.department !== undefined) attributes.ou = user.department;
  if (user.title !== undefined) attributes.title = user.title;
  if (user.manager !== undefined) attributes.manager = userDn(user.manager, connection.userBase);
  await withLdapAdmin(connection, async (client) => {
    await client.add(dn, attributes);
    for (const group of user.groups ?? []) {
      const gDn = groupDn(group, connection.groupBase);
      const { searchEntries } = await client.search(connection.groupBase, {
        scope: 'one',
        filter: `(cn=${escapeFilterValue(group)})`,
        attributes: ['1.1'],
      });
      if (searchEntries.length === 0) {
        await client.add(gDn, { objectClass: 'groupOfNames', cn: group, member: dn });
      } else {
        await client.modify(gDn, new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [dn] }) }));
      }
    }
  });
  return dn;
}
