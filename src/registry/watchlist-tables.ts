import type { Migration } from '../store/index.ts';

export const watchlistMigrations: Migration[] = [
  {
    id: '0006_watchlists',
    sql: `
CREATE TABLE watchlists (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organisation_id uuid NOT NULL REFERENCES organisations (id),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  notify_email text NOT NULL,
  within_days integer NOT NULL CHECK (within_days BETWEEN 1 AND 3650),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX watchlists_organisation ON watchlists (organisation_id);

-- What the retailer was last told about each item, so each change is told once.
CREATE TABLE watchlist_items (
  watchlist_id uuid NOT NULL REFERENCES watchlists (id) ON DELETE CASCADE,
  gtin text NOT NULL CHECK (gtin ~ '^[0-9]{14}$'),
  reference text NOT NULL DEFAULT '',
  known_end_date date,
  warned_ending date,
  PRIMARY KEY (watchlist_id, gtin)
);
`,
  },
];
