import type { Migration } from '../store/index.ts';

export const mailMigrations: Migration[] = [
  {
    id: '0005_outbox',
    // A transactional outbox: a message is written in the same transaction as the change that
    // caused it, and sent by a job afterwards, so no change is lost for a mail server's hiccup
    // and no mail goes out for a change that rolled back.
    sql: `
CREATE TABLE outbound_emails (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  organisation_id uuid REFERENCES organisations (id),
  recipient text NOT NULL,
  subject text NOT NULL,
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  last_error text
);
CREATE INDEX outbound_emails_unsent ON outbound_emails (id) WHERE sent_at IS NULL;
`,
  },
];
