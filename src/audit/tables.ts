import type { Migration } from '../store/index.ts';

export const auditMigrations: Migration[] = [
  {
    id: '0002_audit',
    // The trigger makes the log append-only for every role the application connects as, so a bug
    // or an injected statement cannot rewrite history; only a superuser dropping the trigger can.
    sql: `
CREATE TABLE audit_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  organisation_id uuid REFERENCES organisations (id),
  actor_user_id uuid,
  actor text NOT NULL,
  action text NOT NULL,
  target text,
  ip text,
  details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_organisation ON audit_events (organisation_id, id DESC);

-- One guard for every record that is evidence (audit log, support-period history, report
-- timelines, CRA submissions): rows may be added, never changed or removed.
CREATE FUNCTION forbid_change_of_record() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP;
END
$fn$;
CREATE TRIGGER audit_events_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION forbid_change_of_record();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION forbid_change_of_record();
`,
  },
];
