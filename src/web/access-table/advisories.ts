import { approveAndPublish, createAdvisory, publishedAdvisories, requestApproval, type PublishedAdvisory } from '../../disclosure/advisories.ts';
import { setAffected } from '../../disclosure/affected.ts';
import { submitReport, transitionReport } from '../../disclosure/index.ts';
import { generateKeyForOrganisation, getOrganisationKey, signDetached } from '../../disclosure/organisation-key.ts';
import { everyone, responders, type AccessRows } from './types.ts';

// Advisories: drafts are for owners and security responders of organisation A only; publishing
// also needs disclosure.manage (the same two roles). The public pages and CSAF files show only
// what was published, the same to everyone.

const PUBLIC_URL = 'http://connectable.test';


export const advisoryRows: AccessRows = (ctx) => {
  const actor = () => ({ label: 'access-table', organisationId: ctx.orgA });
  const acceptedReport = async (): Promise<string> => {
    const submitted = await submitReport(
      ctx.db,
      { id: ctx.orgA, name: 'Acme Widgets' },
      { productText: 'Acme Camera', title: 'Telnet open with a shared password', description: 'Port 23 answers and accepts root with a shared password.', steps: 'telnet 192.0.2.1 23, log in as root', aiUse: 'none' },
      PUBLIC_URL,
    );
    const id = (await ctx.db.query<{ id: string }>('SELECT id FROM vulnerability_reports WHERE reference = $1', [submitted.reference]))[0]?.id ?? '';
    await transitionReport(ctx.db, actor(), id, { to: 'valid' }, PUBLIC_URL);
    await transitionReport(ctx.db, actor(), id, { to: 'accepted' }, PUBLIC_URL);
    await setAffected(ctx.db, actor(), id, { productId: ctx.productA, introduced: '1.0.0', fixed: '1.2.0' });
    return id;
  };
  const advisory = (reportId: string) => ({
    title: `Shared telnet password in the Acme Camera ${ctx.next()}`,
    summary: 'The camera accepts a root login over telnet with a password every unit shares.',
    remediation: 'Install firmware 1.2.0 or later.',
    reportIds: reportId,
  });
  const draft = async (): Promise<{ id: string; reportId: string }> => {
    const reportId = await acceptedReport();
    return { id: await createAdvisory(ctx.db, actor(), advisory(reportId)), reportId };
  };
  // Asked for by the viewer, who is never among the callers that may approve: so the owner and
  // the security responder each count as the second person.
  const awaiting = async (): Promise<string> => {
    const { id } = await draft();
    await requestApproval(ctx.db, { ...actor(), userId: ctx.targetMemberId }, id, {}, PUBLIC_URL);
    return id;
  };
  let key: Promise<unknown> | undefined;
  const keyOnce = () => (key ??= getOrganisationKey(ctx.db, ctx.orgA).then((k) => k ?? generateKeyForOrganisation(ctx.db, actor(), { email: 'security@acme.test' })));
  let published: Promise<PublishedAdvisory> | undefined;
  const publishedOnce = () =>
    (published ??= (async () => {
      await keyOnce();
      const id = await awaiting();
      const owner = (await ctx.db.query<{ id: string }>(`SELECT id FROM users WHERE organisation_id = $1 AND role = 'owner' LIMIT 1`, [ctx.orgA]))[0]?.id ?? '';
      await approveAndPublish(ctx.db, { ...actor(), userId: owner }, id, PUBLIC_URL, signDetached);
      const found = (await publishedAdvisories(ctx.db, ctx.orgA)).find((a) => a.advisoryId === id);
      if (!found) throw new Error('the advisory was not published');
      return found;
    })());
  const slug = () => ctx.makerSlugA;
  /** A request made once a fixture exists. */
  const after = (ready: () => Promise<unknown>, path: () => string) => async () => {
    await ready();
    return { url: path() };
  };

  return {
    'GET /console/advisories': { expect: responders(200, 200, 303) },
    'GET /console/advisories/new': { expect: responders(200, 200, 303) },
    // "other" names organisation A's report, which is not theirs to write about.
    'POST /console/advisories': { prepare: async () => ({ url: '/console/advisories', body: advisory(await acceptedReport()) }), expect: responders(303, 400, 401) },
    'GET /console/advisories/:advisoryId': { prepare: async () => ({ url: `/console/advisories/${(await draft()).id}` }), expect: responders(200, 404, 303) },
    'POST /console/advisories/:advisoryId': {
      prepare: async () => {
        const { id, reportId } = await draft();
        return { url: `/console/advisories/${id}`, body: advisory(reportId) };
      },
      expect: responders(303, 404, 401),
    },
    'POST /console/advisories/:advisoryId/approval-request': { prepare: async () => ({ url: `/console/advisories/${(await draft()).id}/approval-request`, body: {} }), expect: responders(303, 404, 401) },
    'POST /console/advisories/:advisoryId/publish': { prepare: async () => ({ url: `/console/advisories/${await awaiting()}/publish`, body: {} }), expect: responders(303, 404, 401) },
    'POST /console/advisories/:advisoryId/send-back': { prepare: async () => ({ url: `/console/advisories/${await awaiting()}/send-back`, body: {} }), expect: responders(303, 404, 401) },
    'GET /console/advisories/:advisoryId/draft.json': { prepare: async () => ({ url: `/console/advisories/${(await draft()).id}/draft.json` }), expect: responders(200, 404, 303) },

    'GET /disclose/:orgSlug/advisories': { prepare: after(publishedOnce, () => `/disclose/${slug()}/advisories`), expect: everyone(200), public: true },
    'GET /disclose/:orgSlug/advisories/:trackingId': {
      prepare: async () => ({ url: `/disclose/${slug()}/advisories/${encodeURIComponent((await publishedOnce()).trackingId)}` }),
      expect: everyone(200),
      public: true,
    },
    'GET /disclose/:orgSlug/openpgp-key.asc': { prepare: after(keyOnce, () => `/disclose/${slug()}/openpgp-key.asc`), expect: everyone(200), public: true },
    // The test platform runs on http://, where CSAF forbids serving a provider.
    'GET /disclose/:orgSlug/csaf/provider-metadata.json': { prepare: async () => ({ url: `/disclose/${slug()}/csaf/provider-metadata.json` }), expect: everyone(409), public: true, api: true },
    'GET /disclose/:orgSlug/csaf/white/index.txt': { prepare: after(publishedOnce, () => `/disclose/${slug()}/csaf/white/index.txt`), expect: everyone(200), public: true },
    'GET /disclose/:orgSlug/csaf/white/changes.csv': { prepare: after(publishedOnce, () => `/disclose/${slug()}/csaf/white/changes.csv`), expect: everyone(200), public: true },
    'GET /disclose/:orgSlug/csaf/white/:year/:file': {
      prepare: async () => {
        const a = await publishedOnce();
        return { url: `/disclose/${slug()}/csaf/white/${a.year}/${a.fileName}` };
      },
      expect: everyone(200),
      public: true,
      api: true,
    },
    // The test platform configures no CSAF_PROVIDER.
    'GET /.well-known/csaf/provider-metadata.json': { expect: everyone(404), public: true, api: true },
  };
};
