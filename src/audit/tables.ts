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

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP;
END
$fn$;
CREATE TRIGGER audit_events_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
`,
  },
];
