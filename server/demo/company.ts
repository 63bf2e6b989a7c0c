/**
 * The demo company: the same people are loaded into the built-in directory by demo mode and
 * into the test slapd by the LDAP harness, so both directories are tested against one story.
 */
export const DEMO_PASSWORD = 'portal-demo-2026';

export interface DemoPerson {
  username: string;
  displayName: string;
  givenName: string;
  familyName: string;
  /** HR's employee number. */
  employeeNumber: string;
  department: string;
  title: string;
  manager: string | null;
  /** Directory groups; role mapping turns them into portal roles. */
  groups: string[];
  /** The role shown next to the sign-in on the demo sign-in page. */
  demoRole: 'employee' | 'manager' | 'helpdesk' | 'hr' | 'admin';
}

export const DEMO_PEOPLE: readonly DemoPerson[] = [
  {
    username: 'adam',
    displayName: 'Adam Admin',
    givenName: 'Adam',
    familyName: 'Admin',
    employeeNumber: 'E1001',
    department: 'IT',
    title: 'IT Administrator',
    manager: null,
    groups: ['portal-admins', 'staff'],
    demoRole: 'admin',
  },
  {
    username: 'mark',
    displayName: 'Mark Manager',
    givenName: 'Mark',
    familyName: 'Manager',
    employeeNumber: 'E1002',
    department: 'Engineering',
    title: 'Engineering Manager',
    manager: 'adam',
    groups: ['portal-managers', 'staff'],
    demoRole: 'manager',
  },
  {
    username: 'alice',
    displayName: 'Alice Anderson',
    givenName: 'Alice',
    familyName: 'Anderson',
    employeeNumber: 'E1003',
    department: 'Engineering',
    title: 'Software Engineer',
    manager: 'mark',
    groups: ['staff'],
    demoRole: 'employee',
  },
  {
    username: 'bob',
    displayName: 'Bob Brown',
    givenName: 'Bob',
    familyName: 'Brown',
    employeeNumber: 'E1004',
    department: 'Engineering',
    title: 'QA Engineer',
    manager: 'mark',
    groups: ['staff'],
    demoRole: 'employee',
  },
  {
    username: 'hana',
    displayName: 'Hana Helpdesk',
    givenName: 'Hana',
    familyName: 'Helpdesk',
    employeeNumber: 'E1005',
    department: 'IT',
    title: 'Service Desk Analyst',
    manager: 'adam',
    groups: ['portal-helpdesk', 'staff'],
    demoRole: 'helpdesk',
  },
  {
    username: 'ruth',
    displayName: 'Ruth Rivera',
    givenName: 'Ruth',
    familyName: 'Rivera',
    employeeNumber: 'E1006',
    department: 'People',
    title: 'HR Partner',
    manager: 'adam',
    groups: ['portal-hr', 'staff'],
    demoRole: 'hr',
  },
];

export const DEMO_MAIL_DOMAIN = 'example.com';

export function demoEmail(username: string): string {
  return `${username}@${DEMO_MAIL_DOMAIN}`;
}
