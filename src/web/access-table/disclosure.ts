import { solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { instanceSecret } from '../../accounts/index.ts';
import { generateKeyForOrganisation, getOrganisationKey, issueChallenge, setAffected, submitReport } from '../../disclosure/index.ts';
import { encryptTo, generateOrganisationKey } from '../../disclosure/openpgp.ts';
import { everyone, responders, type AccessRows } from './types.ts';


export const disclosureRows: AccessRows = (ctx) => {
  const report = () => ({ productText: 'Acme Camera', title: 'Telnet open with a shared password', description: 'Port 23 answers and accepts root with a shared password.', steps: 'telnet 192.0.2.1 23, log in as root', aiUse: 'none' });
  const fresh = async () => submitReport(ctx.db, { id: ctx.orgA, name: 'Acme Widgets' }, report(), 'http://connectable.test');
  // ctx is filled in after the rows are built, so it is read when a row is prepared.
  const system = () => ({ label: 'access-test', organisationId: ctx.orgA });
  // The test platform asks for 4 bits of proof of work; each API report pays it.
  const proofOfWork = async () => {
    const { challenge } = await issueChallenge(await instanceSecret(ctx.db, 'proof-of-work'), '0');
    const solution = await solveChallenge({ challenge, deriveKey });
    return JSON.stringify({ challenge, solution });
  };
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');
  const withFile = async () => {
    const { checkUpload } = await import('../../disclosure/index.ts');
    return submitReport(ctx.db, { id: ctx.orgA, name: 'Acme Widgets' }, report(), 'http://connectable.test', { attachments: checkUpload([{ fileName: 'screenshot.png', bytes: png }]) });
  };
  const signingKey = async () => {
    const key = await getOrganisationKey(ctx.db, ctx.orgA);
    return key?.canSign ? key : generateKeyForOrganisation(ctx.db, system(), { email: 'security@acme.test' });
  };
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
    'POST /api/v1/public/makers/:makerSlug/reports': {
      prepare: async () => ({ url: `/api/v1/public/makers/${ctx.makerSlugA}/reports`, body: { ...report(), proofOfWork: await proofOfWork() } }),
      expect: everyone(201),
      public: true,
      api: true,
    },
    'GET /api/v1/public/proof-of-work': { expect: everyone(200), public: true, api: true },
    'GET /assets/report-form.js': { expect: everyone(200), public: true },
    'GET /assets/openpgp.min.mjs': { expect: everyone(200), public: true },
    'POST /console/reports/:reportId/waiting': {
      prepare: async () => ({ url: `/console/reports/${await reportId((await fresh()).reference)}/waiting`, body: { waiting: 'true', body: 'Which firmware version was it?' } }),
      expect: responders(303, 404, 401),
    },
    'POST /console/reports/:reportId/affected': {
      prepare: async () => ({ url: `/console/reports/${await reportId((await fresh()).reference)}/affected`, body: { productId: ctx.productA, introduced: '1.0.0', fixed: '1.2.0' } }),
      expect: responders(303, 404, 401),
    },
    'POST /console/reports/:reportId/affected/:productId/remove': {
      prepare: async () => {
        const id = await reportId((await fresh()).reference);
        await setAffected(ctx.db, system(), id, { productId: ctx.productA, fixed: '2.0' });
        return { url: `/console/reports/${id}/affected/${ctx.productA}/remove` };
      },
      expect: responders(303, 404, 401),
    },
    'GET /console/reports/:reportId/attachments/:attachmentId': {
      prepare: async () => {
        const id = await reportId((await withFile()).reference);
        const file = (await ctx.db.query<{ id: string }>('SELECT id FROM report_attachments WHERE report_id = $1', [id]))[0]?.id ?? '';
        return { url: `/console/reports/${id}/attachments/${file}` };
      },
      expect: responders(200, 404, 303),
    },
    'POST /console/reports/:reportId/decrypt': {
      prepare: async () => {
        const key = await signingKey();
        const armored = await encryptTo('Description: telnet with a shared password.', key.publicKey);
        const submitted = await submitReport(ctx.db, { id: ctx.orgA, name: 'Acme Widgets' }, { ...report(), description: armored, encrypted: 'on' }, 'http://connectable.test');
        return { url: `/console/reports/${await reportId(submitted.reference)}/decrypt` };
      },
      expect: responders(200, 404, 401),
    },
    'GET /console/disclosure/key': { expect: responders(200, 200, 303) },
    'POST /console/disclosure/key/generate': { prepare: async () => ({ url: '/console/disclosure/key/generate', body: { email: 'security@acme.test', validDays: '400' } }), expect: responders(200, 200, 401) },
    'POST /console/disclosure/key/import': {
      prepare: async () => {
        const key = await generateOrganisationKey({ name: 'Acme Widgets Security', email: 'security@acme.test', validDays: 365, passphrase: 'unused here' });
        return { url: '/console/disclosure/key/import', body: { armored: key.publicKey } };
      },
      expect: responders(200, 200, 401),
    },
    'POST /console/disclosure/key/remove': {
      prepare: async () => {
        await signingKey();
        const other = await getOrganisationKey(ctx.db, ctx.orgB);
        if (!other) await generateKeyForOrganisation(ctx.db, { label: 'access-test', organisationId: ctx.orgB }, { email: 'security@other.test' });
        return { url: '/console/disclosure/key/remove' };
      },
      expect: responders(303, 303, 401),
    },
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
