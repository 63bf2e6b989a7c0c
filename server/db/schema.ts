import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * Table types for Kysely. Timestamps are stored as epoch milliseconds (bigint on PostgreSQL,
 * integer on SQLite) so both dialects compare and sort them the same way; they are read as
 * numbers (see the pg type parser in database.ts).
 */
type Millis = number;

/** The built-in directory's people (ignored when DIRECTORY=ldap). */
export interface DirectoryUserTable {
  username: string;
  display_name: string;
  email: string;
  /** Lower-cased mail for case-insensitive lookups. */
  email_lower: string;
  department: string | null;
  title: string | null;
  manager: string | null;
  /** First and last name and HR's employee number (null for people added before they were kept). */
  given_name: ColumnType<string | null, string | null | undefined, string | null>;
  family_name: ColumnType<string | null, string | null | undefined, string | null>;
  employee_number: ColumnType<string | null, string | null | undefined, string | null>;
  password_hash: string;
  disabled: ColumnType<number, number | undefined, number>;
  failed_attempts: ColumnType<number, number | undefined, number>;
  locked_at: Millis | null;
  /** When the password was last set; null for people loaded before history was kept. */
  password_changed_at: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
  created_at: Millis;
  updated_at: Millis;
}

/** Previous password hashes of built-in directory people, newest last. */
export interface DirectoryPasswordHistoryTable {
  id: Generated<number>;
  username: string;
  password_hash: string;
  created_at: Millis;
}

export interface DirectoryGroupMemberTable {
  group_name: string;
  username: string;
}

/** Server-side sessions. Only a SHA-256 of the session id is stored, so a database leak yields no live session. */
export interface SessionTable {
  id_hash: string;
  username: string;
  created_at: Millis;
  last_seen_at: Millis;
  expires_at: Millis;
  ip: string | null;
  user_agent: string | null;
  /** JSON snapshot of the person (name, mail, roles) taken at sign-in, so each request needs no directory call. */
  profile: string;
  /** When the password was last re-entered in this session (POST /api/auth/reauth); null if never. */
  reauth_at: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
  /** When the person was last re-read from the directory (see SessionService.resume). */
  checked_at: Millis;
}

/** Fixed-window counters for rate limits, shared by every process through the database. */
export interface RateLimitTable {
  key: string;
  window_start: Millis;
  count: number;
}

/** Append-only audit trail: repositories offer insert and read, never update or delete. */
export interface AuditEventTable {
  id: Generated<number>;
  at: Millis;
  /** Who acted (username), or null for an anonymous caller. */
  actor: string | null;
  /** Whose account or object the action was about, when different from the actor. */
  subject: string | null;
  action: string;
  result: 'success' | 'failure' | 'denied';
  ip: string | null;
  user_agent: string | null;
  /** JSON text with non-secret details. */
  details: string | null;
  /** The hash of the row before this one (64 zeros for the first row); see server/audit/chain.ts. */
  prev_hash: string | null;
  /** SHA-256 of this row's canonical content, prev_hash included. Null only if written outside the app. */
  hash: string | null;
}

/** One row (id 1): the newest audit row and its hash, so rows removed from the end are noticed. */
export interface AuditChainHeadTable {
  id: number;
  last_id: number;
  hash: string;
}

/** A confirmed (or pending) personal address for recovery codes. */
export interface RecoveryEmailTable {
  username: string;
  email: string;
  confirmed_at: Millis | null;
  created_at: Millis;
}

export interface TotpFactorTable {
  username: string;
  /** Base32 secret. */
  secret: string;
  confirmed_at: Millis | null;
  /** The last accepted time step, so one code cannot be used twice. */
  last_step: Millis | null;
  created_at: Millis;
}

export interface PasskeyTable {
  /** base64url credential id. */
  credential_id: string;
  username: string;
  /** base64url COSE public key. */
  public_key: string;
  counter: number;
  transports: string | null;
  name: string;
  created_at: Millis;
  last_used_at: Millis | null;
}

export interface PasswordFlowTable {
  id_hash: string;
  /** Null when the login matched nobody; such a flow answers like any other and can never complete. */
  username: string | null;
  created_at: Millis;
  expires_at: Millis;
  /** Space-separated verified method names. */
  verified_methods: ColumnType<string, string | undefined, string>;
  failed_verifications: ColumnType<number, number | undefined, number>;
  completed_at: Millis | null;
  cancelled_at: Millis | null;
  ip: string | null;
  /** The staff member whose help-desk code or reset link proved this flow, for the audit trail. */
  on_behalf_of: ColumnType<string | null, string | null | undefined, string | null>;
  /**
   * The key this flow's per-person limits are counted under: the username, or for a login that
   * named nobody a keyed stand-in of the login, so a missing person is limited exactly alike.
   * Null on flows started before it existed.
   */
  subject_key: ColumnType<string | null, string | null | undefined, string | null>;
}

export type OneTimeSecretPurpose = 'email_code' | 'helpdesk_code' | 'reset_link' | 'email_confirm' | 'webauthn_challenge' | 'activation';

export interface OneTimeSecretTable {
  id: Generated<number>;
  secret_hash: string;
  username: string;
  purpose: OneTimeSecretPurpose;
  flow_id_hash: string | null;
  created_at: Millis;
  expires_at: Millis;
  consumed_at: Millis | null;
  attempts: ColumnType<number, number | undefined, number>;
  /** Who issued it, for help-desk codes. */
  created_by: string | null;
}

/** Consecutive failed reset verifications of a person from one client address, or ('*') from all. */
export interface RecoveryFailureTable {
  /** The flow's subject key: a username, or the keyed stand-in of a login that named nobody. */
  username: string;
  /** A client address, or '*' for the per-person backstop. */
  scope: string;
  consecutive: number;
  updated_at: Millis;
}

/** A browser where a person signed in successfully; only a SHA-256 of the cookie's token is stored. */
export interface TrustedDeviceTable {
  token_hash: string;
  /** Lower-cased, as sign-in attempts are compared. */
  username: string;
  created_at: Millis;
  last_used_at: Millis;
  expires_at: Millis;
}

export interface SettingTable {
  key: string;
  /** JSON document. */
  value: string;
  updated_at: Millis;
  updated_by: string | null;
}

export type JobState = 'queued' | 'running' | 'done' | 'failed';

/** The job queue (server/jobs/): claimed with a lease, retried with backoff, exactly once across processes. */
export interface JobTable {
  id: Generated<number>;
  kind: string;
  /** JSON text. */
  payload: string;
  state: ColumnType<JobState, JobState | undefined, JobState>;
  /** Not before this time; while running, the lease expiry (when another process may take it over). */
  run_at: Millis;
  /** Attempts started so far (counted when claimed). */
  attempts: ColumnType<number, number | undefined, number>;
  max_attempts: number;
  /** The process holding the job while it runs, and until when. */
  lease_owner: string | null;
  lease_expires_at: Millis | null;
  last_error: string | null;
  /** Recurring slots and deduplicated jobs; unique when set. */
  unique_key: string | null;
  created_at: Millis;
  updated_at: Millis;
  finished_at: Millis | null;
}

/** A device request (server/features/requests/); statuses and their transitions are in shared/requests.ts. */
export interface DeviceRequestTable {
  id: Generated<number>;
  requester: string;
  requester_name: string;
  created_by: string;
  model_id: string;
  model_name: string;
  category: string;
  price_cents: number | null;
  quantity: number;
  justification: string;
  needed_by: string | null;
  loan_from: string | null;
  loan_until: string | null;
  status: string;
  current_step: number | null;
  step_count: number;
  lead_time_days: number | null;
  delivery: string | null;
  /** JSON array of asset tags reserved (or the loaner booked) for it. */
  reserved_assets: ColumnType<string, string | undefined, string>;
  /** JSON array of asset tags handed over. */
  asset_tags: ColumnType<string, string | undefined, string>;
  rejection_reason: string | null;
  created_at: Millis;
  updated_at: Millis;
}

export interface RequestStepTable {
  id: Generated<number>;
  request_id: number;
  position: number;
  kind: string;
  role: string | null;
  mode: string;
  /** JSON array of named members (group steps). */
  members: ColumnType<string, string | undefined, string>;
  sla_ms: Millis;
  /** waiting | pending | approved | rejected | skipped */
  state: string;
  opened_at: Millis | null;
  due_at: Millis | null;
  decided_at: Millis | null;
}

export interface RequestApproverTable {
  id: Generated<number>;
  request_id: number;
  step_id: number;
  /** A username, or `role:<role>`. */
  approver: string;
  /** manager | member | role | escalation */
  source: string;
  /** pending | approved | rejected | void */
  state: string;
  decided_by: string | null;
  comment: string | null;
  created_at: Millis;
  decided_at: Millis | null;
}

export interface RequestEventTable {
  id: Generated<number>;
  request_id: number;
  at: Millis;
  event: string;
  actor: string | null;
  on_behalf_of: string | null;
  comment: string | null;
}

export interface ApprovalChainTable {
  id: Generated<number>;
  category: string;
  max_price_cents: number | null;
  /** JSON ChainStep[]. */
  steps: string;
  updated_at: Millis;
  updated_by: string | null;
}

export interface ApprovalDelegationTable {
  delegator: string;
  delegate: string;
  starts_at: Millis;
  ends_at: Millis;
  created_at: Millis;
}

export interface LoanerBookingTable {
  id: Generated<number>;
  asset_tag: string;
  /** YYYY-MM-DD; unique per asset. */
  day: string;
  request_id: number;
}

export interface NotificationTable {
  id: Generated<number>;
  recipient: string;
  kind: string;
  /** JSON object. */
  params: string;
  link: string;
  created_at: Millis;
  read_at: Millis | null;
}

export interface DeviceReportTable {
  id: Generated<number>;
  asset_tag: string;
  reporter: string;
  kind: string;
  description: string;
  state: string;
  resolution: string | null;
  created_at: Millis;
  closed_at: Millis | null;
  closed_by: string | null;
}

export type IdempotencyState = 'running' | 'done';

/** (person, Idempotency-Key) → fingerprint and stored answer; see server/http/idempotency.ts. */
export interface IdempotencyKeyTable {
  username: string;
  key: string;
  /** SHA-256 (hex) of method, path and canonical JSON body. */
  fingerprint: string;
  state: IdempotencyState;
  /** The stored answer, once done. */
  status: number | null;
  response: string | null;
  created_at: Millis;
  finished_at: Millis | null;
}

/** A browser's web push subscription (server/push/). */
export interface PushSubscriptionTable {
  endpoint: string;
  username: string;
  p256dh: string;
  auth: string;
  user_agent: string | null;
  created_at: Millis;
}

/** Knowledge-base articles (one row per language; translations share translation_group). */
export interface KbArticleTable {
  id: Generated<number>;
  slug: string;
  translation_group: number;
  locale: string;
  title: string;
  /** Markdown. */
  body: string;
  category: string | null;
  /** JSON array of strings. */
  tags: string;
  status: string;
  owner: string | null;
  /** YYYY-MM-DD. */
  review_by: string | null;
  published_at: Millis | null;
  last_reviewed_at: Millis | null;
  created_at: Millis;
  updated_at: Millis;
  version: number;
  view_count: ColumnType<number, number | undefined, number>;
  helpful_count: ColumnType<number, number | undefined, number>;
  unhelpful_count: ColumnType<number, number | undefined, number>;
  /** Bumped by every change a reader could see; the offline export pages by it. */
  change_seq: number;
}

/** Every saved version of an article. */
export interface KbArticleVersionTable {
  id: Generated<number>;
  article_id: number;
  version: number;
  title: string;
  body: string;
  locale: string;
  category: string | null;
  tags: string;
  status: string;
  saved_by: string | null;
  saved_at: Millis;
}

/** "Did this help?" answers. */
export interface KbFeedbackTable {
  id: Generated<number>;
  article_id: number;
  /** 1 or 0. */
  helpful: number;
  comment: string | null;
  username: string | null;
  created_at: Millis;
}

/** Searches, for analytics (normalised query, never who searched). */
export interface KbSearchLogTable {
  id: Generated<number>;
  query: string;
  locale: string | null;
  result_count: number;
  created_at: Millis;
  /** Opaque key of the typing burst this row settles (see logSettledSearch); null once it is over. */
  burst: string | null;
}

/** The search vocabulary: term → number of published articles containing it. */
export interface KbTermTable {
  term: string;
  df: number;
}

/** Single-deletion keys of vocabulary words (typo candidates by lookup). */
export interface KbTermKeyTable {
  key: string;
  term: string;
}

/** The text a published article's search snippets are cut from (written with the index). */
export interface KbSnippetTextTable {
  article_id: number;
  text: string;
}

/** A named lock held across processes (server/db/locks.ts). */
export interface LockTable {
  key: string;
  holder: string;
  expires_at: number;
}

/** Knowledge-base counters (change_seq). */
export interface KbMetaTable {
  name: string;
  value: number;
}

/** PostgreSQL only: the search index (tsvector of our own tokens). */
export interface KbSearchTable {
  article_id: number;
  locale: string;
  category: string | null;
  tsv: string;
}

/** PostgreSQL only: the titles' index, kept in order of title length (migration 2026-12-07T0100-kb-title-table). */
export interface KbSearchTitleTable {
  article_id: number;
  locale: string;
  category: string | null;
  title_length: number;
  title_tsv: string;
}

export interface Database {
  directory_users: DirectoryUserTable;
  directory_group_members: DirectoryGroupMemberTable;
  directory_password_history: DirectoryPasswordHistoryTable;
  sessions: SessionTable;
  rate_limits: RateLimitTable;
  audit_events: AuditEventTable;
  audit_chain_head: AuditChainHeadTable;
  recovery_emails: RecoveryEmailTable;
  totp_factors: TotpFactorTable;
  passkeys: PasskeyTable;
  password_flows: PasswordFlowTable;
  one_time_secrets: OneTimeSecretTable;
  recovery_failures: RecoveryFailureTable;
  settings: SettingTable;
  trusted_devices: TrustedDeviceTable;
  jobs: JobTable;
  device_requests: DeviceRequestTable;
  request_steps: RequestStepTable;
  request_approvers: RequestApproverTable;
  request_events: RequestEventTable;
  approval_chains: ApprovalChainTable;
  approval_delegations: ApprovalDelegationTable;
  loaner_bookings: LoanerBookingTable;
  notifications: NotificationTable;
  device_reports: DeviceReportTable;
  idempotency_keys: IdempotencyKeyTable;
  push_subscriptions: PushSubscriptionTable;
  inventory_categories: InventoryCategoryTable;
  inventory_models: InventoryModelTable;
  inventory_assets: InventoryAssetTable;
  inventory_asset_events: InventoryAssetEventTable;
  kb_articles: KbArticleTable;
  kb_article_versions: KbArticleVersionTable;
  kb_feedback: KbFeedbackTable;
  kb_search_log: KbSearchLogTable;
  kb_terms: KbTermTable;
  kb_term_keys: KbTermKeyTable;
  kb_snippet_text: KbSnippetTextTable;
  locks: LockTable;
  kb_meta: KbMetaTable;
  kb_search: KbSearchTable;
  kb_search_title: KbSearchTitleTable;
  scim_tokens: ScimTokenTable;
  scim_users: ScimUserTable;
  scim_groups: ScimGroupTable;
  hires: HireTable;
  role_bundles: RoleBundleTable;
  offboardings: OffboardingTable;
  offboarding_returns: OffboardingReturnTable;
}

/** Categories of the built-in inventory (slug is the key approval chains use). */
export interface InventoryCategoryTable {
  slug: string;
  name: string;
  position: ColumnType<number, number | undefined, number>;
}

/** Models of the built-in inventory. */
export interface InventoryModelTable {
  id: Generated<number>;
  category: string;
  manufacturer: string;
  name: string;
  specs: string;
  image_url: string | null;
  price_cents: number | null;
  /** 0 or 1. */
  requestable: number;
  /** JSON array of role names; `[]` = everyone. */
  eligible_roles: string;
  /** JSON array of department names; `[]` = every department. */
  eligible_departments: string;
  lead_time_days: number | null;
  created_at: Millis;
  updated_at: Millis;
  /** Assets of this model with status `in_stock`, kept by every asset move (builtin-repository.ts). */
  in_stock_count: Generated<number>;
}

/** Assets (tagged devices) of the built-in inventory. */
export interface InventoryAssetTable {
  id: Generated<number>;
  tag: string;
  tag_lower: string;
  serial: string | null;
  serial_lower: string | null;
  model_id: number;
  status: string;
  location: string | null;
  assigned_to: string | null;
  reserved_for: string | null;
  purchase_date: string | null;
  warranty_end: string | null;
  notes: string;
  created_at: Millis;
  updated_at: Millis;
}

/** Append-only history of asset movements. */
export interface InventoryAssetEventTable {
  id: Generated<number>;
  asset_id: number;
  at: Millis;
  kind: string;
  from_status: string | null;
  to_status: string | null;
  actor: string | null;
  person: string | null;
  note: string | null;
}

export type KbArticleRow = Selectable<KbArticleTable>;

export type DirectoryUserRow = Selectable<DirectoryUserTable>;
export type NewDirectoryUser = Insertable<DirectoryUserTable>;
export type DirectoryUserUpdate = Updateable<DirectoryUserTable>;
export type SessionRow = Selectable<SessionTable>;
export type AuditEventRow = Selectable<AuditEventTable>;
export type NewAuditEvent = Insertable<AuditEventTable>;
export type JobRow = Selectable<JobTable>;

/** Bearer tokens for SCIM clients; only the keyed hash of a token is stored. */
export interface ScimTokenTable {
  id: string;
  name: string;
  token_hash: string;
  created_by: string;
  created_at: Millis;
  last_used_at: Millis | null;
  revoked_at: Millis | null;
}

/** The stable SCIM id of a directory person, made the first time SCIM sees them. */
export interface ScimUserTable {
  id: string;
  username: string;
  external_id: string | null;
  /** The userName the client asked for, when onboarding gave the hire another (lower-case). */
  requested_user_name: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Millis;
  updated_at: Millis;
  deprovisioned_at: Millis | null;
}

/** The stable SCIM id of a directory group. */
export interface ScimGroupTable {
  id: string;
  name: string;
  external_id: string | null;
  created_at: Millis;
}
/** A new hire (server/features/onboarding/); the checklist's timestamps live on the row. */
export interface HireTable {
  id: Generated<number>;
  username: string;
  first_name: string;
  last_name: string;
  display_name: string;
  personal_email: string;
  start_date: string;
  time_zone: string;
  department: string;
  title: string;
  manager: string;
  location: string | null;
  employment_type: string;
  role_key: string | null;
  /** JSON {groups, items, autoApprove}: the bundle when the hire was added. */
  bundle: ColumnType<string, string | undefined, string>;
  status: 'scheduled' | 'active' | 'cancelled';
  activates_at: Millis;
  activation_version: ColumnType<number, number | undefined, number>;
  created_by: string;
  created_at: Millis;
  updated_at: Millis;
  account_created_at: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
  groups_added_at: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
  equipment_requested_at: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
  request_ids: ColumnType<string, string | undefined, string>;
  activation_sent_at: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
  activated_at: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
  first_sign_in_at: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
  cancelled_at: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
  cancelled_by: ColumnType<string | null, string | null | undefined, string | null>;
  problem: ColumnType<string | null, string | null | undefined, string | null>;
}
export type HireRow = Selectable<HireTable>;

/** Role bundles: the groups and catalog items a role gives a new hire. */
export interface RoleBundleTable {
  key: string;
  name: string;
  /** JSON arrays. */
  groups: string;
  items: string;
  /** 0 or 1. */
  auto_approve: number;
  grants_staff: number;
  created_at: Millis;
  updated_at: Millis;
  updated_by: string;
}
export type RoleBundleRow = Selectable<RoleBundleTable>;
/** A leaver's offboarding (server/features/offboarding/); the *_at columns are its checklist. */
export interface OffboardingTable {
  id: Generated<number>;
  username: string;
  display_name: string;
  manager: string | null;
  /** YYYY-MM-DD in time_zone. */
  last_day: string;
  time_zone: string;
  /** End of last_day in time_zone (epoch ms): when offboarding.close runs. */
  closes_at: Millis;
  status: 'scheduled' | 'done' | 'cancelled';
  created_by: string;
  created_at: Millis;
  updated_at: Millis;
  cancelled_by: string | null;
  cancelled_at: Millis | null;
  account_disabled_at: Millis | null;
  sessions_revoked_at: Millis | null;
  returns_opened_at: Millis | null;
  summary_sent_at: Millis | null;
  done_at: Millis | null;
}

/** A return opened for one of a leaver's assets (a device report of kind 'return'). */
export interface OffboardingReturnTable {
  offboarding_id: number;
  asset_tag: string;
  model_name: string;
  report_id: number;
  created_at: Millis;
}
