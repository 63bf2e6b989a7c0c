// Provisional view types, until shared/onboarding.ts lands; then these re-export from there.
export type ChecklistState = 'done' | 'pending' | 'overdue' | 'not_needed';
export interface ChecklistItem {
  key: string;
  state: ChecklistState;
  at?: string | null;
  due?: string | null;
  detail?: string | null;
}
export interface HireView {
  id: string;
  username: string;
  displayName: string;
  firstName?: string;
  lastName?: string;
  personalEmail: string;
  startDate: string;
  timeZone: string;
  department: string;
  title: string;
  manager: string;
  location: string | null;
  employmentType: string | null;
  role: string | null;
  status: 'scheduled' | 'active' | 'cancelled';
  activatesAt: string;
  checklist: ChecklistItem[];
  requests?: Array<{ id: number | string; status: string; item?: string; modelName?: string }>;
}
export interface RoleBundleView {
  key: string;
  name: string;
  groups: string[];
  items: Array<{ modelId: string; quantity: number }>;
  autoApprove: boolean;
}
export interface OffboardingView {
  id: string;
  username: string;
  displayName?: string;
  lastDay: string;
  timeZone: string;
  status: string;
  closesAt: string;
  checklist: ChecklistItem[];
}
export const EMPLOYMENT_TYPES = ['full_time', 'part_time', 'contractor', 'intern'] as const;
