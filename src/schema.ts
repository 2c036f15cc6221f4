import { accountsMigrations } from './accounts/tables.ts';
import { auditMigrations } from './audit/tables.ts';
import { complianceMigrations } from './compliance/tables.ts';
import { craMigrations, rejectionMigrations, severityMigrations } from './disclosure/cra-tables.ts';
import { advisoryMigrations } from './disclosure/advisory-tables.ts';
import { intakeMigrations } from './disclosure/intake-tables.ts';
import { disclosureMigrations } from './disclosure/tables.ts';
import { jobsMigrations } from './jobs/tables.ts';
import { mailMigrations } from './mail/tables.ts';
import { registryMigrations } from './registry/tables.ts';
import { watchlistMigrations } from './registry/watchlist-tables.ts';
import type { Migration } from './store/index.ts';

/** Every domain's migrations; ids are global, so a new one takes the next free number. */
export const schemaMigrations: readonly Migration[] = [
  ...accountsMigrations,
  ...auditMigrations,
  ...registryMigrations,
  ...jobsMigrations,
  ...mailMigrations,
  ...watchlistMigrations,
  ...disclosureMigrations,
  ...craMigrations,
  ...severityMigrations,
  ...rejectionMigrations,
  ...intakeMigrations,
  ...advisoryMigrations,
  ...complianceMigrations,
];
