import type { Migration } from '../store/index.ts';

export const disclosureMigrations: Migration[] = [
  {
    id: '0007_disclosure',
    sql: `
CREATE TABLE disclosure_policies (
  organisation_id uuid PRIMARY KEY REFERENCES organisations (id),
  scope text NOT NULL DEFAULT '' CHECK (length(scope) <= 5000),
  safe_harbour text NOT NULL DEFAULT '' CHECK (length(safe_harbour) <= 5000),
  languages text[] NOT NULL DEFAULT '{en}',
  acknowledge_hours integer NOT NULL DEFAULT 72 CHECK (acknowledge_hours BETWEEN 1 AND 720),
  triage_days integer NOT NULL DEFAULT 7 CHECK (triage_days BETWEEN 1 AND 90),
  update_interval_days integer NOT NULL DEFAULT 14 CHECK (update_interval_days BETWEEN 1 AND 90),
  fix_days_critical integer NOT NULL DEFAULT 30 CHECK (fix_days_critical BETWEEN 1 AND 365),
  fix_days_high integer NOT NULL DEFAULT 60 CHECK (fix_days_high BETWEEN 1 AND 365),
  fix_days_medium integer NOT NULL DEFAULT 90 CHECK (fix_days_medium BETWEEN 1 AND 365),
  fix_days_low integer NOT NULL DEFAULT 180 CHECK (fix_days_low BETWEEN 1 AND 730),
  published_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE vulnerability_reports (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organisation_id uuid NOT NULL REFERENCES organisations (id),
  reference text NOT NULL UNIQUE,
  tracking_hash text NOT NULL UNIQUE,
  product_id uuid REFERENCES products (id),
  product_text text NOT NULL DEFAULT '',
  version text NOT NULL DEFAULT '',
  title text NOT NULL,
  description text NOT NULL,
  steps text NOT NULL,
  impact text NOT NULL DEFAULT '',
  reporter_email text,
  reporter_name text,
  ai_use text NOT NULL CHECK (ai_use IN ('none', 'assisted', 'generated')),
  state text NOT NULL DEFAULT 'received' CHECK (state IN ('received', 'valid', 'invalid', 'accepted', 'deferred', 'closed')),
  close_reason text CHECK (close_reason IN ('fixed', 'duplicate', 'not_applicable', 'out_of_scope', 'spam', 'could_not_reproduce', 'accepted_risk')),
  received_at timestamptz NOT NULL DEFAULT now(),
  acknowledged_at timestamptz NOT NULL DEFAULT now(),
  first_opened_at timestamptz,
  triaged_at timestamptz,
  triage_due timestamptz NOT NULL,
  next_update_due timestamptz NOT NULL
);
CREATE INDEX vulnerability_reports_inbox ON vulnerability_reports (organisation_id, state, triage_due);

CREATE TABLE report_messages (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  report_id uuid NOT NULL REFERENCES vulnerability_reports (id),
  author text NOT NULL CHECK (author IN ('reporter', 'responder', 'system')),
  author_label text NOT NULL,
  visibility text NOT NULL CHECK (visibility IN ('reporter', 'internal')),
  body text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX report_messages_report ON report_messages (report_id, id);

-- The timeline of each report, append-only like the audit log: it is the evidence that
-- promises to the reporter were kept.
CREATE TABLE report_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  report_id uuid NOT NULL REFERENCES vulnerability_reports (id),
  event text NOT NULL,
  actor text NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX report_events_report ON report_events (report_id, id);
CREATE TRIGGER report_events_no_update_or_delete BEFORE UPDATE OR DELETE ON report_events
  FOR EACH ROW EXECUTE FUNCTION forbid_change_of_record();
`,
  },
];
