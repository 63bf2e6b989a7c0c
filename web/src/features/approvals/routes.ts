import type { RouteRecordRaw } from 'vue-router';

// No permission on the pages themselves: whoever has something waiting (a manager, the help desk,
// a stand-in while the approver is away, a manager's manager after an escalation) must reach it.
// The server lists only what is theirs.
export const approvalsRoutes: RouteRecordRaw[] = [
  {
    path: '/approvals',
    name: 'approvals',
    component: () => import('./views/ApprovalsView.vue'),
    meta: { title: 'approvals.title' },
  },
  {
    path: '/approvals/delegation',
    name: 'delegation',
    component: () => import('./views/DelegationView.vue'),
    meta: { title: 'delegation.title' },
  },
  {
    path: '/approvals/:id',
    name: 'approval',
    component: () => import('./views/ApprovalView.vue'),
    props: true,
    meta: { title: 'approvals.oneTitle' },
  },
];
