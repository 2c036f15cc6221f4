import type { Migration } from '../store/index.ts';

export const advisoryMigrations: Migration[] = [
  {
    id: '0012_advisories',
    sql: `
-- An advisory is TLP:RED while a draft; a second person approves it; each publication is a
-- revision kept for ever with the exact bytes served, their hashes and their signature.
CREATE TABLE advisories (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organisation_id uuid NOT NULL REFERENCES organisations (id),
  tracking_id text NOT NULL UNIQUE CHECK (tracking_id ~ '^[A-Za-z0-9][A-Za-z0-9+._-]{2,60}$'),
  title text NOT NULL CHECK (length(title) BETWEEN 5 AND 200),
  summary text NOT NULL CHECK (length(summary) BETWEEN 20 AND 20000),
  remediation text NOT NULL DEFAULT '' CHECK (length(remediation) <= 10000),
  workaround text NOT NULL DEFAULT '' CHECK (length(workaround) <= 10000),
  acknowledgement text NOT NULL DEFAULT '' CHECK (length(acknowledgement) <= 500),
  state text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'awaiting_approval', 'published')),
  approval_requested_by uuid REFERENCES users (id),
  approval_requested_label text,
  change_summary text NOT NULL DEFAULT '' CHECK (length(change_summary) <= 500),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX advisories_organisation ON advisories (organisation_id, created_at);

CREATE TABLE advisory_reports (
  advisory_id uuid NOT NULL REFERENCES advisories (id),
  report_id uuid NOT NULL REFERENCES vulnerability_reports (id),
  PRIMARY KEY (advisory_id, report_id)
);

CREATE TABLE advisory_revisions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  advisory_id uuid NOT NULL REFERENCES advisories (id),
  version text NOT NULL,
  change_summary text NOT NULL,
  document text NOT NULL,
  sha256 text NOT NULL,
  sha512 text NOT NULL,
  signature text,
  requested_by text NOT NULL,
  approved_by text NOT NULL,
  published_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (advisory_id, version)
);
CREATE TRIGGER advisory_revisions_no_update_or_delete BEFORE UPDATE OR DELETE ON advisory_revisions
  FOR EACH ROW EXECUTE FUNCTION forbid_change_of_record();
`,
  },
];
