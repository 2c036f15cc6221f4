import { submitReport } from '../../disclosure/index.ts';
import { everyone, type AccessRows, type Caller } from './types.ts';

/** Owners and security responders handle reports; other roles of organisation A get 403. */
const responders = (status: number, otherStatus: number, anonymous: number): Record<Caller, number> => ({
  anonymous,
  other: otherStatus,
  owner: status,
  security_responder: status,
  product_manager: 403,
  viewer: 403,
});

export const disclosureRows: AccessRows = (ctx) => {
  const report = () => ({ productText: 'Acme Camera', title: 'Telnet open with a shared password', description: 'Port 23 answers and accepts root with a shared password.', steps: 'telnet 192.0.2.1 23, log in as root', aiUse: 'none' });
  const fresh = async () => submitReport(ctx.db, { id: ctx.orgA, name: 'Acme Widgets' }, report(), 'http://connectable.test');
  const reportId = async (reference: string) => (await ctx.db.query<{ id: string }>('SELECT id FROM vulnerability_reports WHERE reference = $1', [reference]))[0]?.id ?? '';
  return {
    'GET /disclose/:orgSlug': { prepare: async () => ({ url: `/disclose/${ctx.makerSlugA}` }), expect: everyone(200), public: true },
    'POST /disclose/:orgSlug': { prepare: async () => ({ url: `/disclose/${ctx.makerSlugA}`, body: report() }), expect: everyone(200), public: true },
    // The test platform runs on http://, where a valid security.txt cannot be written.
    'GET /disclose/:orgSlug/security.txt': { prepare: async () => ({ url: `/disclose/${ctx.makerSlugA}/security.txt` }), expect: everyone(409), public: true },
    // The test platform configures no SECURITY_CONTACT.
    'GET /.well-known/security.txt': { expect: everyone(404), public: true },
    'GET /disclose/:orgSlug/policy': { prepare: async () => ({ url: `/disclose/${ctx.makerSlugA}/policy` }), expect: everyone(200), public: true },
    'GET /disclose/track/:token': { prepare: async () => ({ url: `/disclose/track/${(await fresh()).trackingToken}` }), expect: everyone(200), public: true },
    'POST /disclose/track/:token': { prepare: async () => ({ url: `/disclose/track/${(await fresh()).trackingToken}`, body: { body: 'More detail.' } }), expect: everyone(303), public: true },
    'POST /api/v1/public/makers/:makerSlug/reports': { prepare: async () => ({ url: `/api/v1/public/makers/${ctx.makerSlugA}/reports`, body: report() }), expect: everyone(201), public: true, api: true },
    'GET /console/reports': { expect: { ...responders(200, 200, 303) } },
    'GET /console/reports/:reportId': { prepare: async () => ({ url: `/console/reports/${await reportId((await fresh()).reference)}` }), expect: responders(200, 404, 303) },
    'POST /console/reports/:reportId/state': {
      prepare: async () => ({ url: `/console/reports/${await reportId((await fresh()).reference)}/state`, body: { to: 'valid' } }),
      expect: responders(303, 404, 401),
    },
    'POST /console/reports/:reportId/messages': {
      prepare: async () => ({ url: `/console/reports/${await reportId((await fresh()).reference)}/messages`, body: { body: 'Thanks, looking.', visibility: 'reporter' } }),
      expect: responders(303, 404, 401),
    },
    'POST /console/reports/:reportId/severity': {
      prepare: async () => ({ url: `/console/reports/${await reportId((await fresh()).reference)}/severity`, body: { vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', cwe: '798' } }),
      expect: responders(303, 404, 401),
    },
    'POST /console/reports/:reportId/cra': {
      prepare: async () => ({ url: `/console/reports/${await reportId((await fresh()).reference)}/cra`, body: { event: 'actively_exploited' } }),
      expect: responders(303, 404, 401),
    },
    'POST /console/reports/:reportId/cra-submissions': {
      prepare: async () => {
        const id = await reportId((await fresh()).reference);
        await ctx.db.query('UPDATE vulnerability_reports SET actively_exploited_at = now() WHERE id = $1', [id]);
        return { url: `/console/reports/${id}/cra-submissions`, body: { stage: 'early_warning', body: 'Early warning sent to the CSIRT.' } };
      },
      expect: responders(303, 404, 401),
    },
    'GET /console/disclosure': { expect: responders(200, 200, 303) },
    'POST /console/disclosure': {
      prepare: async () => ({ url: '/console/disclosure', body: { acknowledgeHours: '48', triageDays: '5', updateIntervalDays: '10', fixDaysCritical: '30', fixDaysHigh: '60', fixDaysMedium: '90', fixDaysLow: '180', languages: 'en' } }),
      expect: responders(303, 303, 401),
    },
  };
};
