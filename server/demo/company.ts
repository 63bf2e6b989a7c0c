/**
 * The demo company: the same people are loaded into the built-in directory by demo mode and
 * into the test slapd by the LDAP harness, so both directories are tested against one story.
 */
export const DEMO_PASSWORD = 'portal-demo-2026';

export interface DemoPerson {
  username: string;
  displayName: string;
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
    department: 'IT',
    title: 'IT Administrator',
    manager: null,
    groups: ['portal-admins', 'staff'],
    demoRole: 'admin',
  },
  {
    username: 'mark',
    displayName: 'Mark Manager',
    department: 'Engineering',
    title: 'Engineering Manager',
    manager: 'adam',
    groups: ['portal-managers', 'staff'],
    demoRole: 'manager',
  },
  {
    username: 'alice',
    displayName: 'Alice Anderson',
    department: 'Engineering',
    title: 'Software Engineer',
    manager: 'mark',
    groups: ['staff'],
    demoRole: 'employee',
  },
  {
    username: 'bob',
    displayName: 'Bob Brown',
    department: 'Engineering',
    title: 'QA Engineer',
    manager: 'mark',
    groups: ['staff'],
    demoRole: 'employee',
  },
  {
    username: 'hana',
    displayName: 'Hana Helpdesk',
    department: 'IT',
    title: 'Service Desk Analyst',
    manager: 'adam',
    groups: ['portal-helpdesk', 'staff'],
    demoRole: 'helpdesk',
  },
  {
    username: 'ruth',
    displayName: 'Ruth Rivera',
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
