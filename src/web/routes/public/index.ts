import type { FastifyInstance } from 'fastify';
import type { Platform } from '../../context.ts';
import { registerPublicAdvisories } from './advisories.ts';
import { registerAssets } from './assets.ts';
import { registerHealth } from './health.ts';
import { registerHome } from './home.ts';
import { registerInvitation } from './invitation.ts';
import { registerSetup } from './setup.ts';
import { registerSignIn } from './sign-in.ts';
import { registerWellKnown } from './well-known.ts';
import { registerWidget } from './widget.ts';
import { registerDigitalLink } from './digital-link.ts';
import { registerDisclosure } from './disclosure.ts';
import { registerLabels } from './labels.ts';
import { registerProductPage } from './product-page.ts';
import { registerStatements } from './statements.ts';

export function registerPublicRoutes(app: FastifyInstance, platform: Platform): void {
  registerHealth(app, platform);
  registerAssets(app);
  registerHome(app, platform);
  registerSignIn(app, platform);
  registerSetup(app, platform);
  registerInvitation(app, platform);
  registerWidget(app, platform);
  registerProductPage(app, platform);
  registerStatements(app, platform);
  registerDisclosure(app, platform);
  registerPublicAdvisories(app, platform);
  registerWellKnown(app, platform);
  registerDigitalLink(app, platform);
  registerLabels(app, platform);
}
