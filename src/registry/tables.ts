import type { Migration } from '../store/index.ts';

export const registryMigrations: Migration[] = [
  {
    id: '0003_products',
    sql: `
ALTER TABLE organisations ADD COLUMN security_contact_url text CHECK (security_contact_url ~ '^https?://');

CREATE TABLE products (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organisation_id uuid NOT NULL REFERENCES organisations (id),
  slug text NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,80}$'),
  brand text NOT NULL CHECK (length(brand) BETWEEN 1 AND 100),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  model_number text NOT NULL CHECK (length(model_number) BETWEEN 1 AND 100),
  category text NOT NULL,
  markets text[] NOT NULL DEFAULT '{}',
  hardware_revisions text[] NOT NULL DEFAULT '{}',
  firmware_versions text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organisation_id, model_number),
  UNIQUE (organisation_id, slug)
);

-- A GTIN names one trade item worldwide, so it belongs to one product of one maker.
CREATE TABLE product_gtins (
  gtin text PRIMARY KEY CHECK (gtin ~ '^[0-9]{14}$'),
  product_id uuid NOT NULL REFERENCES products (id) ON DELETE CASCADE
);
CREATE INDEX product_gtins_product ON product_gtins (product_id);

-- published_at NULL is a draft the maker may still change freely; once published, the end date
-- may only move later (psti.s1.3.4). The triggers below hold that rule whatever code runs.
CREATE TABLE support_periods (
  product_id uuid PRIMARY KEY REFERENCES products (id) ON DELETE CASCADE,
  end_date date NOT NULL,
  at_least boolean NOT NULL DEFAULT false,
  published_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE support_period_history (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  product_id uuid NOT NULL REFERENCES products (id),
  event text NOT NULL CHECK (event IN ('published', 'extended', 'wording_changed')),
  end_date date NOT NULL,
  previous_end_date date,
  at_least boolean NOT NULL,
  actor text NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX support_period_history_product ON support_period_history (product_id, id);

CREATE FUNCTION support_periods_only_grow() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.published_at IS NOT NULL THEN
      RAISE EXCEPTION 'CONNECTABLE_ERR_SUPPORT_PERIOD_SHORTENED: a published support period cannot be removed' USING ERRCODE = 'check_violation';
    END IF;
    RETURN OLD;
  END IF;
  IF OLD.published_at IS NOT NULL THEN
    IF NEW.published_at IS DISTINCT FROM OLD.published_at THEN
      RAISE EXCEPTION 'CONNECTABLE_ERR_SUPPORT_PERIOD_SHORTENED: the publication time of a support period cannot change' USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.end_date < OLD.end_date THEN
      RAISE EXCEPTION 'CONNECTABLE_ERR_SUPPORT_PERIOD_SHORTENED: the published end date % cannot move earlier to %', OLD.end_date, NEW.end_date USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  RETURN NEW;
END
$fn$;
CREATE TRIGGER support_periods_only_grow BEFORE UPDATE OR DELETE ON support_periods
  FOR EACH ROW EXECUTE FUNCTION support_periods_only_grow();

-- Every published state is written to the history by the database itself, so no code path can
-- change a public period without leaving its trace.
CREATE FUNCTION support_periods_record() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  who text := coalesce(nullif(current_setting('connectable.actor', true), ''), 'system');
BEGIN
  IF NEW.published_at IS NULL THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'INSERT' OR OLD.published_at IS NULL THEN
    INSERT INTO support_period_history (product_id, event, end_date, at_least, actor) VALUES (NEW.product_id, 'published', NEW.end_date, NEW.at_least, who);
  ELSIF NEW.end_date > OLD.end_date THEN
    INSERT INTO support_period_history (product_id, event, end_date, previous_end_date, at_least, actor) VALUES (NEW.product_id, 'extended', NEW.end_date, OLD.end_date, NEW.at_least, who);
  ELSIF NEW.at_least IS DISTINCT FROM OLD.at_least THEN
    INSERT INTO support_period_history (product_id, event, end_date, at_least, actor) VALUES (NEW.product_id, 'wording_changed', NEW.end_date, NEW.at_least, who);
  END IF;
  RETURN NEW;
END
$fn$;
CREATE TRIGGER support_periods_record AFTER INSERT OR UPDATE ON support_periods
  FOR EACH ROW EXECUTE FUNCTION support_periods_record();

CREATE TRIGGER support_period_history_no_change BEFORE UPDATE OR DELETE ON support_period_history
  FOR EACH ROW EXECUTE FUNCTION forbid_change_of_record();
CREATE TRIGGER support_period_history_no_truncate BEFORE TRUNCATE ON support_period_history
  FOR EACH STATEMENT EXECUTE FUNCTION forbid_change_of_record();

-- A product whose period is published stays: deleting it would delete the public promise.
CREATE FUNCTION products_keep_published() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF EXISTS (SELECT 1 FROM support_periods WHERE product_id = OLD.id AND published_at IS NOT NULL) THEN
    RAISE EXCEPTION 'CONNECTABLE_ERR_SUPPORT_PERIOD_SHORTENED: a product with a published support period cannot be deleted' USING ERRCODE = 'check_violation';
  END IF;
  RETURN OLD;
END
$fn$;
CREATE TRIGGER products_keep_published BEFORE DELETE ON products FOR EACH ROW EXECUTE FUNCTION products_keep_published();
`,
  },
];
