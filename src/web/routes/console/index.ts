import type { FastifyInstance } from 'fastify';
import type { Platform } from '../../context.ts';
import { registerAdvisories } from './advisories.ts';
import { registerAuditLog } from './audit.ts';
import { registerCatalogueConsole } from './catalogue.ts';
import { registerCompliance } from './compliance.ts';
import { registerMembers } from './members.ts';
import { registerOpenpgpKey } from './openpgp-key.ts';
import { registerOverview } from './overview.ts';
import { registerProducts } from './products.ts';
import { registerReports } from './reports.ts';
import { registerSecurity } from './security.ts';
import { registerSettings } from './settings.ts';
import { registerTokens } from './tokens.ts';
import { registerWatchlists } from './watchlists.ts';

export function registerConsoleRoutes(app: FastifyInstance, platform: Platform): void {
  registerOverview(app, platform);
  registerProducts(app, platform);
  registerCompliance(app, platform);
  registerReports(app, platform);
  registerAdvisories(app, platform);
  registerOpenpgpKey(app, platform);
  registerMembers(app, platform);
  registerTokens(app, platform);
  registerSecurity(app, platform);
  registerSettings(app, platform);
  registerWatchlists(app, platform);
  registerAuditLog(app, platform);
  registerCatalogueConsole(app, platform);
}
