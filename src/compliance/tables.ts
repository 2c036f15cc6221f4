import type { Migration } from '../store/index.ts';

export const complianceMigrations: Migration[] = [
  {
    id: '0013_compliance',
    sql: `
-- Evidence comes from the tools (a firmware scan, a probe run, a password audit), uploaded from CI
-- with an API token or from the console. Kept for ever: a newer firmware's scan becomes the
-- current evidence, the older ones stay as history.
CREATE TABLE compliance_evidence (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organisation_id uuid NOT NULL REFERENCES organisations (id),
  product_id uuid NOT NULL REFERENCES products (id),
  hardware_revision text NOT NULL DEFAULT '' CHECK (length(hardware_revision) <= 100),
  kind text NOT NULL CHECK (kind IN ('firmware-scan', 'probe', 'password-audit')),
  firmware_version text NOT NULL DEFAULT '' CHECK (length(firmware_version) <= 100),
  tool text NOT NULL,
  summary jsonb NOT NULL,
  report jsonb NOT NULL,
  sha256 text NOT NULL,
  uploaded_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX compliance_evidence_product ON compliance_evidence (product_id, kind, created_at);
CREATE TRIGGER compliance_evidence_no_update_or_delete BEFORE UPDATE OR DELETE ON compliance_evidence
  FOR EACH ROW EXECUTE FUNCTION forbid_change_of_record();

-- A person's judgement of one provision for one product (and hardware revision, '' for all).
-- Append-only: the newest row per provision is the judgement, the rest is who judged what when.
CREATE TABLE compliance_judgements (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  organisation_id uuid NOT NULL REFERENCES organisations (id),
  product_id uuid NOT NULL REFERENCES products (id),
  hardware_revision text NOT NULL DEFAULT '' CHECK (length(hardware_revision) <= 100),
  provision_id text NOT NULL CHECK (length(provision_id) <= 40),
  status text NOT NULL CHECK (status IN ('met', 'not_met', 'not_applicable', 'not_assessed')),
  reason text NOT NULL CHECK (length(reason) <= 4000),
  judged_by text NOT NULL,
  judged_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX compliance_judgements_product ON compliance_judgements (product_id, hardware_revision, provision_id, id);
CREATE TRIGGER compliance_judgements_no_update_or_delete BEFORE UPDATE OR DELETE ON compliance_judgements
  FOR EACH ROW EXECUTE FUNCTION forbid_change_of_record();

-- Every version of every Statement of Compliance, with the exact bytes issued and their
-- signatures. Kept for ever (the law asks for ten years); only "shown on the product page" changes.
CREATE TABLE compliance_statements (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  statement_id uuid NOT NULL,
  version integer NOT NULL CHECK (version >= 1),
  organisation_id uuid NOT NULL REFERENCES organisations (id),
  product_id uuid NOT NULL REFERENCES products (id),
  hardware_revision text NOT NULL DEFAULT '',
  batch text NOT NULL,
  content jsonb NOT NULL,
  document_json text NOT NULL,
  pdf_base64 text NOT NULL,
  pdf_sha256 text NOT NULL,
  json_sha256 text NOT NULL,
  pdf_signature text,
  json_signature text,
  signature_fingerprint text,
  issued_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (product_id, hardware_revision, version)
);
CREATE TRIGGER compliance_statements_no_update_or_delete BEFORE UPDATE OR DELETE ON compliance_statements
  FOR EACH ROW EXECUTE FUNCTION forbid_change_of_record();

CREATE TABLE compliance_statement_visibility (
  product_id uuid PRIMARY KEY REFERENCES products (id),
  statement_row uuid REFERENCES compliance_statements (id),
  changed_at timestamptz NOT NULL DEFAULT now()
);
`,
  },
];
