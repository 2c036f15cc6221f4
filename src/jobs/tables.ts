import type { Migration } from '../store/index.ts';

export const jobsMigrations: Migration[] = [
  {
    id: '0004_housekeeping_runs',
    sql: `
CREATE TABLE housekeeping_runs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_id text NOT NULL,
  ran_at timestamptz NOT NULL DEFAULT now(),
  removed jsonb NOT NULL
);
`,
  },
];
