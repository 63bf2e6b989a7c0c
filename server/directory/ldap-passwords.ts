/**
 * Password rules and password writes for the LDAP directory.
 *
 * OpenLDAP (ppolicy): a reset is the password-modify extended operation (RFC 3062) with only
 * userIdentity + newPasswd, sent by the service account; a change binds as the person and sends
 * oldPasswd + newPasswd. Measured on slapd 2.5 with ppolicy: for a service account that is NOT
 * the rootdn, ppolicy enforces pwdMinLength (counted in UTF-8 bytes, and only when
 * pwdCheckQuality > 0), pwdInHistory (including "same as the current password") and pwdMinAge on
 * resets exactly as on changes; a plain modify of userPassword behaves the same but stores clear
 * text unless slapd hashes it (ppolicy_hash_cleartext), while the extended operation always
 * hashes. The rootdn bypasses all of it. A successful write also clears pwdAccountLockedTime,
 * including an administrator's permanent lock, so resets of disabled accounts are refused here
 * (checked just before the write: the extended operation refuses an assertion control that would
 * make the check atomic). Length is also checked here in code points, since ppolicy counts bytes.
 *
 * Active Directory: a reset replaces unicodePwd (with the policy-hints control, so AD applies
 * password history to the reset too); a change is one modify deleting the old value and adding
 * the new one, which AD verifies itself. Both only over an encrypted connection.
 */
import { Attribute, Change, type Client, type Entry } from 'ldapts';
import type { LdapConfig } from '../config.js';
import { encodeUnicodePwd } from './ad-password.js';
import { RESULT, first, hasCode, values, wholeNumber, type LdapConnector, type LdapDirectoryLogger } from './ldap-client.js';
import {
  PASSWORD_MODIFY_OID,
  PasswordPolicyControl,
  PolicyHintsControl,
  adRefusal,
  openLdapRefusal,
  passwordModifyRequest,
} from './ldap-password-protocol.js';
import {
  DirectoryUnavailableError,
  type DirectoryPasswordPolicy,
  type PasswordRefusal,
  type PasswordWrite,
  type SetPasswordResult,
} from './port.js';

const NO_POLICY: DirectoryPasswordPolicy = Object.freeze({ minLength: 0, historyCount: 0, lockoutThreshold: null });
/** What Active Directory ships with, for a domain root whose policy cannot be read. */
const AD_DEFAULT_POLICY: DirectoryPasswordPolicy = Object.freeze({ minLength: 7, historyCount: 24, lockoutThreshold: null });
const PPOLICY_ATTRIBUTES = ['pwdMinLength', 'pwdInHistory', 'pwdLockout', 'pwdMaxFailure'];

function ppolicyOf(entry: Entry): DirectoryPasswordPolicy {
  const maxFailure = wholeNumber(entry, 'pwdMaxFailure');
  const lockout = first(entry, 'pwdLockout')?.toUpperCase() === 'TRUE';
  return {
    minLength: wholeNumber(entry, 'pwdMinLength') ?? 0,
    historyCount: wholeNumber(entry, 'pwdInHistory') ?? 0,
    lockoutThreshold: lockout && maxFailure ? maxFailure : null,
  };
}

function strictest(policies: DirectoryPasswordPolicy[]): DirectoryPasswordPolicy {
  const thresholds = policies.map((p) => p.lockoutThreshold).filter((n): n is number => n !== null);
  return {
    minLength: Math.max(...policies.map((p) => p.minLength)),
    historyCount: Math.max(...policies.map((p) => p.historyCount)),
    lockoutThreshold: thresholds.length ? Math.min(...thresholds) : null,
  };
}

/** Lower-case with the spaces after separators removed: enough to compare configured DNs. */
function normalizeDn(dn: string): string {
  return dn.toLowerCase().replace(/\s*(?<!\\)([,=])\s*/g, '$1');
}

/** The trailing `DC=` part of a DN (the AD domain's naming context); the DN itself when it has none. */
function domainOf(dn: string): string {
  const rdns = dn.split(/(?<!\\),/).map((rdn) => rdn.trim());
  let start = rdns.length;
  while (start > 0 && /^dc=/i.test(rdns[start - 1]!)) start--;
  return start < rdns.length ? rdns.slice(start).join(',') : dn;
}

export interface PasswordOperationsContext {
  config: LdapConfig;
  connector: LdapConnector;
  logger: LdapDirectoryLogger | undefined;
  /** The one person entry with this username, read with the flavour's user attributes. */
  findEntry(client: Client, username: string): Promise<Entry | null>;
  /** Disabled by an administrator (AD ACCOUNTDISABLE, OpenLDAP permanent lock). */
  isDisabled(entry: Entry): boolean;
  /** Clears a lockout by failed sign-ins, leaving an administrator's disable alone. */
  clearLockout(client: Client, entry: Entry): Promise<void>;
}

function refuse(reason: PasswordRefusal): SetPasswordResult {
  return { ok: false, reason };
}

const OK: SetPasswordResult = Object.freeze({ ok: true });

/** A password the directory may be asked to store: a non-empty string without NUL (C code would cut it there). */
function isStorable(password: unknown): password is string {
  return typeof password === 'string' && password !== '' && !password.includes('\0');
}

export function createPasswordOperations(context: PasswordOperationsContext) {
  const { config, connector, logger } = context;
  const ad = config.flavor === 'ad';
  let policyDn: Promise<string | null> | undefined;
  let warnedAboutPolicy = false;

  function warnOnce(details: Record<string, unknown>, message: string): void {
    if (warnedAboutPolicy) return;
    warnedAboutPolicy = true;
    logger?.warn(details, message);
  }

  /** The naming context holding the user base (the longest one that is a suffix of it). */
  async function namingContext(client: Client): Promise<string> {
    const { searchEntries } = await client.search('', { scope: 'base', filter: '(objectClass=*)', attributes: ['namingContexts'] });
    const userBase = normalizeDn(config.userBase);
    const candidates = searchEntries[0] ? values(searchEntries[0], 'namingContexts') : [];
    const matching = candidates.filter((c) => userBase === normalizeDn(c) || userBase.endsWith(`,${normalizeDn(c)}`));
    return matching.sort((a, b) => b.length - a.length)[0] ?? config.userBase;
  }

  async function readOpenLdapPolicy(client: Client): Promise<DirectoryPasswordPolicy> {
    if (config.passwordPolicyDn) {
      try {
        const { searchEntries } = await client.search(config.passwordPolicyDn, {
          scope: 'base',
          filter: '(objectClass=pwdPolicy)',
          attributes: PPOLICY_ATTRIBUTES,
        });
        if (searchEntries[0]) return ppolicyOf(searchEntries[0]);
      } catch (error) {
        if (!hasCode(error, RESULT.noSuchObject, RESULT.invalidDnSyntax)) throw error;
      }
      warnOnce({ policyDn: config.passwordPolicyDn }, 'LDAP_PASSWORD_POLICY_DN names no readable pwdPolicy entry');
      return NO_POLICY;
    }
    const base = await namingContext(client);
    const { searchEntries } = await client.search(base, {
      scope: 'sub',
      filter: '(objectClass=pwdPolicy)',
      attributes: PPOLICY_ATTRIBUTES,
    });
    if (searchEntries.length === 0) {
      warnOnce({ base }, 'No ppolicy entry found; the LDAP directory enforces no password rules the portal can show');
      return NO_POLICY;
    }
    if (searchEntries.length === 1) return ppolicyOf(searchEntries[0]!);
    const named = searchEntries.filter((entry) => /^cn=default,/i.test(normalizeDn(entry.dn)));
    if (named.length === 1) return ppolicyOf(named[0]!);
    warnOnce({ base, policies: searchEntries.length }, 'Several ppolicy entries found; using the strictest. Set LDAP_PASSWORD_POLICY_DN');
    return strictest(searchEntries.map(ppolicyOf));
  }

  async function readAdPolicy(client: Client): Promise<DirectoryPasswordPolicy> {
    try {
      const rootDse = await client.search('', { scope: 'base', filter: '(objectClass=*)', attributes: ['defaultNamingContext'] });
      const domain = (rootDse.searchEntries[0] && first(rootDse.searchEntries[0], 'defaultNamingContext')) ?? domainOf(config.userBase);
      const { searchEntries } = await client.search(domain, {
        scope: 'base',
        filter: '(objectClass=*)',
        attributes: ['minPwdLength', 'pwdHistoryLength', 'lockoutThreshold'],
      });
      const entry = searchEntries[0];
      if (!entry) return AD_DEFAULT_POLICY;
      const threshold = wholeNumber(entry, 'lockoutThreshold');
      return {
        minLength: wholeNumber(entry, 'minPwdLength') ?? AD_DEFAULT_POLICY.minLength,
        historyCount: wholeNumber(entry, 'pwdHistoryLength') ?? AD_DEFAULT_POLICY.historyCount,
        // 0 means "never lock" on AD.
        lockoutThreshold: threshold ? threshold : null,
      };
    } catch (error) {
      if (!hasCode(error, RESULT.noSuchObject, RESULT.invalidDnSyntax, RESULT.insufficientAccessRights)) throw error;
      warnOnce({ userBase: config.userBase }, "Active Directory's domain password policy is unreadable; assuming AD's defaults");
      return AD_DEFAULT_POLICY;
    }
  }

  const readPolicy = (client: Client) => (ad ? readAdPolicy(client) : readOpenLdapPolicy(client));

  async function openLdapReset(client: Client, username: string, entry: Entry, newPassword: string): Promise<SetPasswordResult> {
    const control = new PasswordPolicyControl();
    try {
      await client.exop(PASSWORD_MODIFY_OID, passwordModifyRequest({ userIdentity: entry.dn, newPasswd: newPassword }), control);
    } catch (error) {
      const refusal = openLdapRefusal(error, control, 'reset');
      if (refusal) return refuse(refusal);
      throw error;
    }
    // ppolicy 2.5 lifts the lockout itself when a password is set; lift whatever another version left.
    const updated = await context.findEntry(client, username);
    if (updated) await context.clearLockout(client, updated);
    return OK;
  }

  async function openLdapChange(entry: Entry, currentPassword: string, newPassword: string): Promise<SetPasswordResult> {
    const control = new PasswordPolicyControl();
    const result = await connector.asUser('change a password', entry.dn, currentPassword, async (client) => {
      try {
        await client.exop(PASSWORD_MODIFY_OID, passwordModifyRequest({ oldPasswd: currentPassword, newPasswd: newPassword }), control);
        return OK;
      } catch (error) {
        const refusal = openLdapRefusal(error, control, 'change');
        if (refusal) return refuse(refusal);
        throw error;
      }
    });
    return result.bound ? result.value : refuse('wrong_current_password');
  }

  async function adWrite(client: Client, entry: Entry, newPassword: string, how: PasswordWrite): Promise<SetPasswordResult> {
    const unicodePwd = (password: string) => new Attribute({ type: 'unicodePwd', values: [encodeUnicodePwd(password)] });
    try {
      if (how.kind === 'reset') {
        await client.modify(
          entry.dn,
          new Change({ operation: 'replace', modification: unicodePwd(newPassword) }),
          new PolicyHintsControl(),
        );
      } else {
        // One request, delete before add: AD's "change password", checked against the old value.
        await client.modify(entry.dn, [
          new Change({ operation: 'delete', modification: unicodePwd(how.currentPassword) }),
          new Change({ operation: 'add', modification: unicodePwd(newPassword) }),
        ]);
        return OK;
      }
    } catch (error) {
      const refusal = adRefusal(error, how.kind);
      if (refusal) return refuse(refusal);
      throw error;
    }
    // A reset does not unlock on AD.
    await context.clearLockout(client, entry);
    return OK;
  }

  return {
    async passwordPolicy(): Promise<DirectoryPasswordPolicy> {
      return connector.asService('read the password policy', readPolicy);
    },

    async setPassword(username: string, newPassword: string, how: PasswordWrite): Promise<SetPasswordResult> {
      // Everything below is refused before a single packet leaves (an empty bind "succeeds" on AD).
      if (!isStorable(newPassword) || (how?.kind !== 'reset' && how?.kind !== 'change')) return refuse('policy');
      const nobody = how.kind === 'change' ? 'wrong_current_password' : 'policy';
      if (how.kind === 'change' && !isStorable(how.currentPassword)) return refuse('wrong_current_password');
      if (!isStorable(username)) return refuse(nobody);
      if (ad && !connector.encrypted) {
        const error = new DirectoryUnavailableError('Active Directory password writes need ldaps:// or LDAP_STARTTLS');
        logger?.warn({ url: config.url }, error.message);
        throw error;
      }
      const operation = how.kind === 'reset' ? 'reset a password' : 'change a password';
      const result = await connector.asService(operation, async (client) => {
        const entry = await context.findEntry(client, username);
        if (!entry) return refuse(nobody);
        // A write would lift OpenLDAP's permanent lock; a disabled person does not set passwords.
        if (context.isDisabled(entry)) return refuse(nobody);
        const policy = await readPolicy(client);
        // Code points, not bytes (ppolicy) or UTF-16 units (AD): what the person counts.
        if ([...newPassword].length < policy.minLength) return refuse('too_short');
        if (ad) return adWrite(client, entry, newPassword, how);
        return how.kind === 'reset'
          ? openLdapReset(client, username, entry, newPassword)
          : openLdapChange(entry, how.currentPassword, newPassword);
      });
      if (!result.ok) logger?.debug?.({ username, kind: how.kind, reason: result.reason }, 'LDAP directory refused a new password');
      return result;
    },
  };
}
