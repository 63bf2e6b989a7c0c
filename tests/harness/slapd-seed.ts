/**
 * What the test slapd is made of: its configuration (schema, ppolicy overlay, ACLs for the
 * portal's service account) and the LDIF it is seeded with (the demo company, a password policy,
 * the service account, and optionally an Active Directory-shaped copy of the company).
 */
import path from 'node:path';
import { DEMO_PASSWORD, DEMO_PEOPLE, demoEmail } from '../../server/demo/company.js';
import { encodeUnicodePwd } from '../../server/directory/ad-password.js';
import { escapeDnValue } from '../../server/directory/ldap-escape.js';

const SCHEMA_DIR = '/etc/ldap/schema';
const MODULE_DIR = '/usr/lib/ldap';

export const SUFFIX = 'dc=example,dc=org';
export const ADMIN_DN = `cn=admin,${SUFFIX}`;
export const ADMIN_PASSWORD = 'test-admin-password';
/**
 * The portal's service account: an ordinary entry, not the rootdn, so slapd applies its ACLs and
 * ppolicy applies the password policy to what it writes, as in production.
 */
export const SERVICE_DN = `cn=portal-service,ou=services,${SUFFIX}`;
export const SERVICE_PASSWORD = 'test-service-password';
export const USER_BASE = `ou=people,${SUFFIX}`;
export const GROUP_BASE = `ou=groups,${SUFFIX}`;
export const POLICY_DN = `cn=default,ou=policies,${SUFFIX}`;
/** The service account's own policy: no lockout, so a wrong service password cannot lock the portal out. */
export const SERVICE_POLICY_DN = `cn=service-accounts,ou=policies,${SUFFIX}`;
export const AD_USER_BASE = `ou=users,ou=ad,${SUFFIX}`;
export const AD_GROUP_BASE = `ou=groups,ou=ad,${SUFFIX}`;

/** The default policy's numbers, for tests that assert on them. */
export const TEST_POLICY = { minLength: 8, historyCount: 3, maxFailure: 3 } as const;
/** What the AD-shaped domain root says (minPwdLength, pwdHistoryLength, lockoutThreshold). */
export const TEST_AD_POLICY = { minLength: 10, historyCount: 24, lockoutThreshold: 5 } as const;

/**
 * Just enough of Active Directory's schema for the AD flavour (real AD OIDs, as in Debian's
 * msuser.schema, but with matching rules so OpenLDAP can filter on them; msuser.schema declares
 * none). objectCategory is a plain string here: AD expands `(objectCategory=person)` to a DN
 * itself. unicodePwd is an octet string with octetStringMatch, so a change's "delete the old
 * value" only succeeds with the exact old bytes, as on AD. domainDNS is auxiliary here (structural
 * on AD) so the suffix entry can carry the domain's password policy.
 */
const AD_SCHEMA = `
attributetype ( 1.2.840.113556.1.4.221 NAME 'sAMAccountName' EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl' EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.662 NAME 'lockoutTime' EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.1460 NAME 'msDS-User-Account-Control-Computed' EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.2.102 NAME 'memberOf' EQUALITY distinguishedNameMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.12 )
attributetype ( 1.2.840.113556.1.2.141 NAME 'department' EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.782 NAME 'objectCategory' EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.90 NAME 'unicodePwd' EQUALITY octetStringMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.79 NAME 'minPwdLength' EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.95 NAME 'pwdHistoryLength' EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.73 NAME 'lockoutThreshold' EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
objectclass ( 1.2.840.113556.1.5.9 NAME 'user' SUP organizationalPerson STRUCTURAL
  MAY ( sAMAccountName $ userAccountControl $ lockoutTime $ msDS-User-Account-Control-Computed $ memberOf $ department $ objectCategory $ displayName $ givenName $ employeeNumber $ mail $ manager $ unicodePwd ) )
objectclass ( 1.2.840.113556.1.5.8 NAME 'group' SUP top STRUCTURAL MUST cn MAY ( member $ sAMAccountName $ description ) )
objectclass ( 1.2.840.113556.1.5.67 NAME 'domainDNS' SUP top AUXILIARY MAY ( minPwdLength $ pwdHistoryLength $ lockoutThreshold ) )
`;

/** One LDIF line; values that are not a plain SAFE-STRING (RFC 2849) are base64-encoded. */
function ldifLine(attribute: string, value: string | Buffer): string {
  if (Buffer.isBuffer(value)) return `${attribute}:: ${value.toString('base64')}`;
  const safe = /^[\x01-\x09\x0b\x0c\x0e-\x1f\x21-\x39\x3b\x3d-\x7f][\x01-\x09\x0b\x0c\x0e-\x7f]*$/.test(value) && !value.endsWith(' ');
  return safe ? `${attribute}: ${value}` : `${attribute}:: ${Buffer.from(value, 'utf8').toString('base64')}`;
}

function ldifEntry(dn: string, attributes: [string, string | Buffer][]): string {
  return [ldifLine('dn', dn), ...attributes.map(([name, value]) => ldifLine(name, value))].join('\n');
}

export function userDn(username: string, userBase: string): string {
  return `uid=${escapeDnValue(username)},${userBase}`;
}

export function groupDn(group: string, groupBase: string): string {
  return `cn=${escapeDnValue(group)},${groupBase}`;
}

export function lastName(displayName: string): string {
  return displayName.split(' ').at(-1) ?? displayName;
}

/**
 * The seed: base entries, the password policies, the service account, the demo people and their
 * groups. With `activeDirectory`, the suffix also carries the AD domain's password policy.
 */
export function demoCompanyLdif(options: { activeDirectory?: boolean } = {}): string {
  // slapadd -q wants all objectClass values together, before the other attributes.
  const suffixAttributes: [string, string][] = [
    ['objectClass', 'dcObject'],
    ['objectClass', 'organization'],
    ...(options.activeDirectory ? [['objectClass', 'domainDNS'] as [string, string]] : []),
    ['dc', 'example'],
    ['o', 'Example Corp'],
  ];
  if (options.activeDirectory) {
    suffixAttributes.push(
      ['minPwdLength', String(TEST_AD_POLICY.minLength)],
      ['pwdHistoryLength', String(TEST_AD_POLICY.historyCount)],
      ['lockoutThreshold', String(TEST_AD_POLICY.lockoutThreshold)],
    );
  }
  const entries: string[] = [
    ldifEntry(SUFFIX, suffixAttributes),
    ...['people', 'groups', 'policies', 'services'].map((ou) =>
      ldifEntry(`ou=${ou},${SUFFIX}`, [
        ['objectClass', 'organizationalUnit'],
        ['ou', ou],
      ]),
    ),
    ldifEntry(POLICY_DN, [
      ['objectClass', 'person'],
      ['objectClass', 'pwdPolicy'],
      ['cn', 'default'],
      ['sn', 'default'],
      ['pwdAttribute', 'userPassword'],
      ['pwdLockout', 'TRUE'],
      ['pwdMaxFailure', String(TEST_POLICY.maxFailure)],
      ['pwdLockoutDuration', '0'],
      ['pwdInHistory', String(TEST_POLICY.historyCount)],
      ['pwdMinLength', String(TEST_POLICY.minLength)],
      ['pwdCheckQuality', '1'],
    ]),
    ldifEntry(SERVICE_POLICY_DN, [
      ['objectClass', 'person'],
      ['objectClass', 'pwdPolicy'],
      ['cn', 'service-accounts'],
      ['sn', 'service-accounts'],
      ['pwdAttribute', 'userPassword'],
      ['pwdLockout', 'FALSE'],
    ]),
    ldifEntry(SERVICE_DN, [
      ['objectClass', 'applicationProcess'],
      ['objectClass', 'simpleSecurityObject'],
      ['cn', 'portal-service'],
      ['userPassword', SERVICE_PASSWORD],
      ['pwdPolicySubentry', SERVICE_POLICY_DN],
    ]),
  ];
  for (const person of DEMO_PEOPLE) {
    const attributes: [string, string][] = [
      ['objectClass', 'inetOrgPerson'],
      ['uid', person.username],
      ['cn', person.displayName],
      ['givenName', person.givenName],
      ['sn', person.familyName],
      ['displayName', person.displayName],
      ['mail', demoEmail(person.username)],
      ['employeeNumber', person.employeeNumber],
      // `ou` on a person is the usual OpenLDAP home for the department name.
      ['ou', person.department],
      ['title', person.title],
      // Clear text on purpose: slapadd stores it as given, and binds compare it as such.
      ['userPassword', DEMO_PASSWORD],
    ];
    if (person.manager) attributes.push(['manager', userDn(person.manager, USER_BASE)]);
    entries.push(ldifEntry(userDn(person.username, USER_BASE), attributes));
  }
  const groups = [...new Set(DEMO_PEOPLE.flatMap((person) => person.groups))].sort();
  for (const group of groups) {
    const members = DEMO_PEOPLE.filter((person) => person.groups.includes(group));
    entries.push(
      ldifEntry(groupDn(group, GROUP_BASE), [
        ['objectClass', 'groupOfNames'],
        ['cn', group],
        ...members.map((person): [string, string] => ['member', userDn(person.username, USER_BASE)]),
      ]),
    );
  }
  return `${entries.join('\n\n')}\n`;
}

/** Active Directory-style DNs are named by display name, like `CN=Alice Anderson,OU=Users,…`. */
export function adUserDn(displayName: string): string {
  return `cn=${escapeDnValue(displayName)},${AD_USER_BASE}`;
}

/** The demo company again, shaped like Active Directory (see `StartSlapdOptions.activeDirectory`). */
export function activeDirectoryLdif(): string {
  const entries: string[] = ['ad', 'users,ou=ad', 'groups,ou=ad'].map((ou) =>
    ldifEntry(`ou=${ou},${SUFFIX}`, [
      ['objectClass', 'organizationalUnit'],
      ['ou', ou.split(',')[0]!],
    ]),
  );
  const displayNameOf = new Map(DEMO_PEOPLE.map((person) => [person.username, person.displayName]));
  for (const person of DEMO_PEOPLE) {
    const attributes: [string, string | Buffer][] = [
      ['objectClass', 'user'],
      ['objectCategory', 'person'],
      ['cn', person.displayName],
      ['givenName', person.givenName],
      ['sn', person.familyName],
      ['employeeNumber', person.employeeNumber],
      ['sAMAccountName', person.username],
      ['displayName', person.displayName],
      ['mail', demoEmail(person.username)],
      ['department', person.department],
      ['title', person.title],
      // NORMAL_ACCOUNT (0x200), enabled.
      ['userAccountControl', '512'],
      // Binds check userPassword; unicodePwd is what password writes change (see AD_SCHEMA).
      ['userPassword', DEMO_PASSWORD],
      ['unicodePwd', encodeUnicodePwd(DEMO_PASSWORD)],
      ...person.groups.map((group): [string, string] => ['memberOf', groupDn(group, AD_GROUP_BASE)]),
    ];
    const managerName = person.manager ? displayNameOf.get(person.manager) : undefined;
    if (managerName) attributes.push(['manager', adUserDn(managerName)]);
    entries.push(ldifEntry(adUserDn(person.displayName), attributes));
  }
  for (const group of [...new Set(DEMO_PEOPLE.flatMap((person) => person.groups))].sort()) {
    entries.push(
      ldifEntry(groupDn(group, AD_GROUP_BASE), [
        ['objectClass', 'group'],
        ['cn', group],
        ...DEMO_PEOPLE.filter((person) => person.groups.includes(group)).map((person): [string, string] => [
          'member',
          adUserDn(person.displayName),
        ]),
      ]),
    );
  }
  return `${entries.join('\n\n')}\n`;
}

export function adSchemaText(): string {
  return AD_SCHEMA;
}

/**
 * The service account's ACLs, as a production OpenLDAP needs them (least privilege, checked
 * against this slapd): `=w` on userPassword writes (resets) without reading any hash;
 * pwdAccountLockedTime may be read and written (unlock deletes a lockout; disable sets the
 * permanent lock and enable removes it); under the user base it may add, change and delete
 * people (onboarding, offboarding, SCIM); under the group base it may change `member` and
 * `uniqueMember` only: it cannot create, rename or delete groups. People may change their own
 * password (self write); nobody reads password values. In AD mode the same holds for the
 * AD-shaped subtree, and it may also write unicodePwd and lockoutTime, like AD's delegated
 * "Reset password" right.
 */
function accessRules(activeDirectory: boolean): string[] {
  const service = `dn.exact="${SERVICE_DN}"`;
  const manage = (userBase: string, groupBase: string) => [
    // Adding or deleting an entry needs write on its parent's `children` and on the entry itself.
    `access to dn.base="${userBase}" attrs=children by ${service} write by * read`,
    `access to dn.children="${userBase}" by ${service} write by * read`,
    `access to dn.children="${groupBase}" attrs=member,uniqueMember by ${service} write by * read`,
  ];
  return [
    `access to attrs=userPassword by ${service} =w by self write by anonymous auth by * none`,
    `access to attrs=pwdAccountLockedTime by ${service} write by * read`,
    ...(activeDirectory
      ? [`access to attrs=unicodePwd by ${service} =w by * none`, `access to attrs=lockoutTime by ${service} write by * read`]
      : []),
    ...manage(USER_BASE, GROUP_BASE),
    ...(activeDirectory ? manage(AD_USER_BASE, AD_GROUP_BASE) : []),
    'access to * by * read',
  ];
}

export function slapdConf(dir: string, tls: { ca: string; cert: string; key: string } | null, adSchema: string | null): string {
  return [
    ...['core', 'cosine', 'inetorgperson', 'nis'].map((schema) => `include ${SCHEMA_DIR}/${schema}.schema`),
    ...(adSchema ? [`include ${adSchema}`] : []),
    `modulepath ${MODULE_DIR}`,
    'moduleload back_mdb',
    // ppolicy's schema is built into the module in 2.5: including ppolicy.schema would clash.
    'moduleload ppolicy',
    `pidfile ${path.join(dir, 'slapd.pid')}`,
    ...(tls ? [`TLSCACertificateFile ${tls.ca}`, `TLSCertificateFile ${tls.cert}`, `TLSCertificateKeyFile ${tls.key}`] : []),
    'database mdb',
    'maxsize 104857600',
    `suffix "${SUFFIX}"`,
    `rootdn "${ADMIN_DN}"`,
    `rootpw ${ADMIN_PASSWORD}`,
    `directory ${path.join(dir, 'data')}`,
    // Paged searches by the service account may return everyone (listing people for SCIM);
    // others keep slapd's default of 500 entries a search.
    `limits dn.exact="${SERVICE_DN}" size.prtotal=unlimited`,
    'overlay ppolicy',
    `ppolicy_default "${POLICY_DN}"`,
    // Passwords written later over LDAP get hashed; the seeded clear-text ones stay as loaded.
    'ppolicy_hash_cleartext',
    'ppolicy_use_lockout',
    ...accessRules(adSchema !== null),
    '',
  ].join('\n');
}
