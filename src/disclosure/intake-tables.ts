import type { Migration } from '../store/index.ts';

export const intakeMigrations: Migration[] = [
  {
    id: '0011_report_attachments_and_channels',
    sql: `
-- Reports now arrive by the web form, the JSON API or e-mail; a report sent by e-mail may not say
-- whether AI was used, and a reporter who never answers lets a report close as no_response.
ALTER TABLE vulnerability_reports ADD COLUMN channel text NOT NULL DEFAULT 'web' CHECK (channel IN ('web', 'api', 'email'));
ALTER TABLE vulnerability_reports DROP CONSTRAINT vulnerability_reports_ai_use_check;
ALTER TABLE vulnerability_reports ADD CONSTRAINT vulnerability_reports_ai_use_check CHECK (ai_use IN ('none', 'assisted', 'generated', 'undeclared'));
ALTER TABLE vulnerability_reports DROP CONSTRAINT vulnerability_reports_close_reason_check;
ALTER TABLE vulnerability_reports ADD CONSTRAINT vulnerability_reports_close_reason_check
  CHECK (close_reason IN ('fixed', 'duplicate', 'not_applicable', 'out_of_scope', 'spam', 'could_not_reproduce', 'accepted_risk', 'no_response'));
-- The body was encrypted in the reporter's browser to the maker's OpenPGP key: description holds
-- the armored message and only the maker's key holder can read it.
ALTER TABLE vulnerability_reports ADD COLUMN encrypted boolean NOT NULL DEFAULT false;
-- "Waiting on reporter": the clocks stop while set and resume, shifted, when the reporter answers.
ALTER TABLE vulnerability_reports ADD COLUMN waiting_since timestamptz;
ALTER TABLE vulnerability_reports ADD COLUMN cve text CHECK (cve ~ '^CVE-[0-9]{4}-[0-9]{4,}$');

-- Replies to a report that came by e-mail go back by e-mail, answerable to the security address.
ALTER TABLE outbound_emails ADD COLUMN reply_to text;

-- Files stay in the database, never on a path a web server could serve, and are only ever sent as
-- downloads (Content-Disposition: attachment, nosniff).
CREATE TABLE report_attachments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  report_id uuid NOT NULL REFERENCES vulnerability_reports (id),
  uploaded_by text NOT NULL CHECK (uploaded_by IN ('reporter', 'responder')),
  file_name text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
  media_type text NOT NULL CHECK (length(media_type) BETWEEN 3 AND 100),
  size integer NOT NULL CHECK (size BETWEEN 1 AND 10485760),
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  content bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX report_attachments_report ON report_attachments (report_id, created_at);

-- Business days with a UK bank-holiday calendar, the wait for a silent reporter, and the address
-- inbound e-mail is accepted for.
ALTER TABLE disclosure_policies ADD COLUMN day_basis text NOT NULL DEFAULT 'calendar'
  CHECK (day_basis IN ('calendar', 'england-and-wales', 'scotland', 'northern-ireland'));
ALTER TABLE disclosure_policies ADD COLUMN waiting_close_days integer NOT NULL DEFAULT 30 CHECK (waiting_close_days BETWEEN 1 AND 365);
ALTER TABLE disclosure_policies ADD COLUMN inbound_address text UNIQUE CHECK (inbound_address = lower(inbound_address) AND length(inbound_address) <= 254);

-- The organisation's OpenPGP key: the public half is published (security.txt Encryption, in-browser
-- encryption); the private half, when the platform signs for the maker, is kept passphrase-protected
-- with a passphrase derived from the instance secret, never in the clear.
CREATE TABLE organisation_openpgp_keys (
  organisation_id uuid PRIMARY KEY REFERENCES organisations (id),
  fingerprint text NOT NULL CHECK (fingerprint ~ '^[0-9A-F]{40,64}$'),
  public_key text NOT NULL,
  private_key text,
  expires_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- A solved proof-of-work challenge is spent once: its signature is kept until it would have
-- expired anyway (housekeeping removes it then).
CREATE TABLE proof_of_work_spent (
  signature text PRIMARY KEY,
  expires_at timestamptz NOT NULL
);

-- Affected products and version ranges, linked to the registry.
CREATE TABLE report_affected_products (
  report_id uuid NOT NULL REFERENCES vulnerability_reports (id),
  product_id uuid NOT NULL REFERENCES products (id),
  introduced text NOT NULL DEFAULT '' CHECK (length(introduced) <= 60),
  fixed text NOT NULL DEFAULT '' CHECK (length(fixed) <= 60),
  PRIMARY KEY (report_id, product_id)
);
`,
  },
];
