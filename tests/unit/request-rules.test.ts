import { describe, expect, it } from 'vitest';
import {
  approvalChainsSchema,
  availabilityLabel,
  canTransition,
  chainFor,
  createRequestSchema,
  DEFAULT_CHAIN,
  decisionSchema,
  eligibilityOf,
  REQUEST_STATUSES,
  type RequestAction,
} from '../../shared/requests.js';

describe('device request rules shared by the web app and the server', () => {
  it('allows each action only from its statuses', () => {
    const allowed = (action: RequestAction) => REQUEST_STATUSES.filter((s) => canTransition(s, action));
    expect(allowed('approve')).toEqual(['pending_approval']);
    expect(allowed('cancel')).toEqual(['pending_approval', 'approved', 'backordered']);
    expect(allowed('fulfil')).toEqual(['approved', 'backordered']);
    expect(allowed('receive')).toEqual(['ready_for_pickup', 'shipped']);
    // Nothing leaves a final status.
    for (const action of ['approve', 'reject', 'cancel', 'fulfil', 'receive'] as const) {
      for (const final of ['received', 'rejected', 'cancelled'] as const) expect(canTransition(final, action)).toBe(false);
    }
  });

  it('reads availability as people say it', () => {
    expect(availabilityLabel({ inStock: 3, leadTimeDays: 10 })).toEqual({ kind: 'in_stock', count: 3 });
    expect(availabilityLabel({ inStock: 1, leadTimeDays: 10 })).toEqual({ kind: 'last_one' });
    expect(availabilityLabel({ inStock: 0, leadTimeDays: 10 })).toEqual({ kind: 'lead_time', days: 10 });
    expect(availabilityLabel({ inStock: 0, leadTimeDays: null })).toEqual({ kind: 'unavailable' });
  });

  it('decides eligibility by requestable, role and department', () => {
    const anyone = { requestable: true, roles: [], departments: [] };
    expect(eligibilityOf(anyone, { roles: ['employee'], department: null })).toEqual({ eligible: true });
    expect(eligibilityOf({ ...anyone, requestable: false }, { roles: ['admin'], department: null })).toEqual({ eligible: false, reason: 'not_requestable' });
    expect(eligibilityOf({ ...anyone, roles: ['manager'] }, { roles: ['employee'], department: null })).toEqual({ eligible: false, reason: 'role' });
    expect(eligibilityOf({ ...anyone, departments: ['Engineering'] }, { roles: ['employee'], department: ' engineering ' })).toEqual({ eligible: true });
    expect(eligibilityOf({ ...anyone, departments: ['Engineering'] }, { roles: ['employee'], department: null })).toEqual({ eligible: false, reason: 'department' });
  });

  it('picks the cheapest matching rule of a category, else the default chain', () => {
    const { rules } = approvalChainsSchema.parse({
      rules: [
        { category: 'accessories', maxPriceCents: 10_000, steps: [{ kind: 'manager' }] },
        { category: 'accessories', steps: [{ kind: 'manager' }, { kind: 'group', role: 'helpdesk' }] },
      ],
    });
    expect(chainFor(rules, 'accessories', 4_900).map((s) => s.kind)).toEqual(['manager']);
    expect(chainFor(rules, 'Accessories', 10_000).map((s) => s.kind)).toEqual(['manager']);
    expect(chainFor(rules, 'accessories', 14_900).map((s) => s.kind)).toEqual(['manager', 'group']);
    expect(chainFor(rules, 'accessories', null).map((s) => s.kind)).toEqual(['manager', 'group']);
    expect(chainFor(rules, 'laptops', 100_000)).toEqual(DEFAULT_CHAIN);
  });

  it('refuses chains that cannot work and bodies that make no sense', () => {
    const all = approvalChainsSchema.safeParse({ rules: [{ category: 'monitors', steps: [{ kind: 'group', role: 'helpdesk', mode: 'all' }] }] });
    expect(all.success).toBe(false);
    expect(approvalChainsSchema.safeParse({ rules: [{ category: 'x', steps: [] }, { category: 'X', steps: [] }] }).success).toBe(false);
    expect(createRequestSchema.safeParse({ modelId: '1', justification: 'Need it', loanFrom: '2026-12-01' }).success).toBe(false);
    expect(createRequestSchema.safeParse({ modelId: '1', justification: 'Need it', loanFrom: '2026-12-01', loanUntil: '2027-06-01' }).success).toBe(false);
    expect(createRequestSchema.safeParse({ modelId: '1', justification: 'Need it', loanFrom: '2026-12-01', loanUntil: '2026-12-01' }).success).toBe(true);
    expect(decisionSchema.safeParse({ decision: 'reject', comment: '' }).success).toBe(false);
    expect(decisionSchema.safeParse({ decision: 'approve' }).success).toBe(true);
  });
});
