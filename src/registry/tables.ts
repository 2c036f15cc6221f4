import type { Migration } from '../store/index.ts';

export const registryMigrations: Migration[] = [
  {
    id: '0003_products',
    sql: `
CREATE TABLE products (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organisation_id uuid NOT NULL REFERENCES organisations (id),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  model_number text NOT NULL CHECK (length(model_number) BETWEEN 1 AND 100),
  gtin text CHECK (gtin ~ '^[0-9]{8,14}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organisation_id, model_number)
);
`,
  },
];
