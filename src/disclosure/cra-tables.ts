import type { Migration } from '../store/index.ts';

export const craMigrations: Migration[] = [
  {
    id: '0008_cra_clocks',
    sql: `
ALTER TABLE vulnerability_reports ADD COLUMN actively_exploited_at timestamptz;
ALTER TABLE vulnerability_reports ADD COLUMN fix_available_at timestamptz;

-- What was sent to the CSIRT / ENISA single reporting platform, and when: evidence, append-only.
CREATE TABLE cra_submissions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  report_id uuid NOT NULL REFERENCES vulnerability_reports (id),
  stage text NOT NULL CHECK (stage IN ('early_warning', 'notification', 'final_report')),
  sent_at timestamptz NOT NULL DEFAULT now(),
  sent_by text NOT NULL,
  body text NOT NULL CHECK (length(body) BETWEEN 1 AND 50000)
);
CREATE INDEX cra_submissions_report ON cra_submissions (report_id, id);
CREATE TRIGGER cra_submissions_no_update_or_delete BEFORE UPDATE OR DELETE ON cra_submissions
  FOR EACH ROW EXECUTE FUNCTION forbid_change_of_record();
`,
  },
];

export const severityMigrations: Migration[] = [
  {
    id: '0009_report_severity',
    sql: `
ALTER TABLE vulnerability_reports ADD COLUMN cvss_vector text;
ALTER TABLE vulnerability_reports ADD COLUMN cvss_score numeric(3, 1) CHECK (cvss_score BETWEEN 0 AND 10);
ALTER TABLE vulnerability_reports ADD COLUMN severity text CHECK (severity IN ('none', 'low', 'medium', 'high', 'critical'));
ALTER TABLE vulnerability_reports ADD COLUMN cwe text CHECK (cwe ~ '^CWE-[0-9]{1,5}$');
ALTER TABLE vulnerability_reports ADD COLUMN fix_due timestamptz;
`,
  },
];

export const rejectionMigrations: Migration[] = [
  {
    id: '0010_rejection_proposals',
    sql: `ALTER TABLE vulnerability_reports ADD COLUMN proposed_rejection jsonb;`,
  },
];
