// The onboarding screens read the API's own view types (shared/onboarding.ts).
export {
  EMPLOYMENT_TYPES,
  type ChecklistItem,
  type ChecklistState,
  type HireView,
  type OffboardingView,
  type RoleBundleView,
} from '../../../../shared/onboarding';
