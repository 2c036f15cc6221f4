import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from 'ghtml';
import { findOrganisationBySlug, type Organisation } from '../../../accounts/index.ts';
import { publishedAdvisories, type PublishedAdvisory } from '../../../disclosure/advisories.ts';
import { changesCsv, indexTxt, providerMetadata, sha256Line, sha512Line, type ProviderMetadata } from '../../../disclosure/csaf-provider.ts';
import { readPublishedCsaf, type PublishedProduct } from '../../../disclosure/csaf-reading.ts';
import { getOrganisationKey } from '../../../disclosure/organisation-key.ts';
import { ConnectableError, notFound } from '../../../errors.ts';
import { pathParam, type Platform } from '../../context.ts';
import { pageContext, sendPage } from '../../render.ts';

// What the public sees of a maker's advisories: an HTML page per advisory and a CSAF 2.0 provider
// directory (§7.1) that aggregators and scanners fetch. Only published revisions are read here —
// publishedAdvisories never returns a draft — and each file is the exact bytes stored at
// publication, so its hashes and signature keep verifying.

async function makerOf(platform: Platform, request: FastifyRequest): Promise<Organisation> {
  const organisation = await findOrganisationBySlug(platform.db, pathParam(request, 'orgSlug'));
  if (!organisation || organisation.kind !== 'maker') throw notFound('That maker');
  return organisation;
}

const day = (d: Date): string => d.toISOString().slice(0, 10);

/**
 * CSAF files are fetched by other sites' tools, so any origin may read them. A newer revision
 * replaces a file at the same address, so caches keep it for minutes, not for ever.
 */
function sharedFile(reply: FastifyReply, type: string): FastifyReply {
  return reply
    .type(type)
    .header('cache-control', 'public, max-age=300')
    .header('access-control-allow-origin', '*')
    .header('cross-origin-resource-policy', 'cross-origin');
}

/** CSAF requires TLS (§7.1.1) and the provider-metadata schema an https canonical URL. */
function requireHttps(platform: Platform): void {
  if (!platform.config.publicUrl.startsWith('https://')) {
    throw new ConnectableError(
      'CONNECTABLE_ERR_CONFLICT',
      `A CSAF provider must be served over HTTPS (CSAF 2.0 §7.1.1), but this platform's address is ${platform.config.publicUrl}. Serve it over HTTPS and set PUBLIC_URL to the https:// address.`,
    );
  }
}

async function metadataFor(platform: Platform, organisation: Organisation, canonicalUrl: string): Promise<ProviderMetadata> {
  const base = `${platform.config.publicUrl}/disclose/${organisation.slug}`;
  const [advisories, key] = await Promise.all([publishedAdvisories(platform.db, organisation.id), getOrganisationKey(platform.db, organisation.id)]);
  // The newest thing the file describes; with nothing published yet, the file is as new as now.
  const times = [...advisories.map((a) => a.currentReleaseDate.getTime()), ...(key ? [key.createdAt.getTime()] : [])];
  return providerMetadata({
    canonicalUrl,
    // The same publisher as in every document, so a consumer can match the two.
    publisher: { name: organisation.name, namespace: base, contactDetails: base },
    directoryUrl: `${base}/csaf/white/`,
    lastUpdated: times.length ? new Date(Math.max(...times)) : new Date(),
    publicKeys: key ? [{ fingerprint: key.fingerprint, url: `${base}/openpgp-key.asc` }] : [],
  });
}

function productRows(products: PublishedProduct[], none: string): string {
  if (products.length === 0) return html`<p>${none}</p>`;
  return html`<ul>!${products.map((p) => html`<li>${p.name}!${p.versions ? html` <code>${p.versions}</code>` : ''}</li>`).join('')}</ul>`;
}

function advisoryPage(organisation: Organisation, a: PublishedAdvisory): string {
  const files = `/disclose/${organisation.slug}/csaf/white/${a.year}/${a.fileName}`;
  const vulnerabilities = readPublishedCsaf(a.document);
  return html`<h1>${a.title}</h1>
<dl class="summary">
<div><dt>Advisory</dt><dd id="tracking-id">${a.trackingId}</dd></div>
<div><dt>Version</dt><dd id="advisory-version">${a.version}</dd></div>
<div><dt>First published</dt><dd>${day(a.initialReleaseDate)}</dd></div>
<div><dt>Last updated</dt><dd>${day(a.currentReleaseDate)}</dd></div>
</dl>
<h2>Summary</h2>
<p class="pre">${a.summary}</p>
!${vulnerabilities
  .map(
    (v) => html`<section class="vulnerability">
<h2>${v.title}</h2>
<dl>
!${v.cve ? html`<dt>CVE</dt><dd><a href="https://www.cve.org/CVERecord?id=${v.cve}">${v.cve}</a></dd>` : ''}
!${v.cwe ? html`<dt>Weakness</dt><dd>${v.cwe.id}: ${v.cwe.name}</dd>` : ''}
!${v.cvss.map((c) => html`<dt>Severity</dt><dd>${c.severity}${c.score ? ` (CVSS ${c.score})` : ''} <code>${c.vector}</code></dd>`).join('')}
!${v.references.length ? html`<dt>Reference</dt><dd>${v.references.join(', ')}</dd>` : ''}
</dl>
<h3>Affected products and versions</h3>
!${productRows(v.affected, 'None listed.')}
<h3>Fixed versions</h3>
!${productRows(v.fixed, 'No fixed version yet.')}
</section>`,
  )
  .join('')}
!${a.remediation ? html`<h2>Remediation</h2><p class="pre">${a.remediation}</p>` : ''}
!${a.workaround ? html`<h2>Workaround</h2><p class="pre">${a.workaround}</p>` : ''}
!${a.acknowledgement ? html`<h2>Acknowledgements</h2><p>We thank ${a.acknowledgement} for reporting this.</p>` : ''}
<h2>Revision history</h2>
<table><thead><tr><th scope="col">Version</th><th scope="col">Date</th><th scope="col">Change</th></tr></thead><tbody>!${a.revisions
    .map((r) => html`<tr><td>${r.version}</td><td>${day(r.publishedAt)}</td><td>${r.changeSummary}</td></tr>`)
    .join('')}</tbody></table>
<h2>Machine-readable</h2>
<ul id="csaf-files">
<li><a href="${files}">CSAF 2.0 document (JSON)</a></li>
<li><a href="${files}.sha256">SHA-256</a> · <a href="${files}.sha512">SHA-512</a>!${a.signature ? html` · <a href="${files}.asc">OpenPGP signature</a> (<a href="/disclose/${organisation.slug}/openpgp-key.asc">key</a>)` : ''}</li>
</ul>
<p><a href="/disclose/${organisation.slug}/advisories">All advisories of ${organisation.name}</a> · <a href="/disclose/${organisation.slug}">Report a security problem</a></p>`;
}

export function registerPublicAdvisories(app: FastifyInstance, platform: Platform): void {
  app.get('/disclose/:orgSlug/advisories', async (request, reply) => {
    const organisation = await makerOf(platform, request);
    const advisories = await publishedAdvisories(platform.db, organisation.id);
    return sendPage(
      reply,
      pageContext(platform, request, reply),
      `Security advisories of ${organisation.name}`,
      html`<h1>Security advisories of ${organisation.name}</h1>
!${
  advisories.length
    ? html`<table><thead><tr><th scope="col">Advisory</th><th scope="col">Title</th><th scope="col">Version</th><th scope="col">Last updated</th></tr></thead><tbody>!${advisories
        .map(
          (a) =>
            html`<tr><td><a href="/disclose/${organisation.slug}/advisories/${encodeURIComponent(a.trackingId)}">${a.trackingId}</a></td><td>${a.title}</td><td>${a.version}</td><td>${day(a.currentReleaseDate)}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : html`<p>No advisories published yet.</p>`
}
<p>For tools: the CSAF 2.0 provider metadata is at <a href="/disclose/${organisation.slug}/csaf/provider-metadata.json">/disclose/${organisation.slug}/csaf/provider-metadata.json</a>.</p>
<p><a href="/disclose/${organisation.slug}">Report a security problem</a></p>`,
    );
  });

  app.get('/disclose/:orgSlug/advisories/:trackingId', async (request, reply) => {
    const organisation = await makerOf(platform, request);
    const trackingId = pathParam(request, 'trackingId');
    const advisory = (await publishedAdvisories(platform.db, organisation.id)).find((a) => a.trackingId === trackingId);
    if (!advisory) throw notFound('That advisory');
    return sendPage(reply, pageContext(platform, request, reply), `${advisory.trackingId}: ${advisory.title}`, advisoryPage(organisation, advisory));
  });

  app.get('/disclose/:orgSlug/openpgp-key.asc', async (request, reply) => {
    const organisation = await makerOf(platform, request);
    const key = await getOrganisationKey(platform.db, organisation.id);
    if (!key) {
      throw new ConnectableError(
        'CONNECTABLE_ERR_NOT_FOUND',
        `${organisation.name} has published no OpenPGP key. Its advisories are then unsigned; their SHA-256 and SHA-512 files still let you check them.`,
      );
    }
    return sharedFile(reply, 'text/plain; charset=utf-8').send(key.publicKey);
  });

  app.get('/disclose/:orgSlug/csaf/provider-metadata.json', async (request, reply) => {
    const organisation = await makerOf(platform, request);
    requireHttps(platform);
    const metadata = await metadataFor(platform, organisation, `${platform.config.publicUrl}/disclose/${organisation.slug}/csaf/provider-metadata.json`);
    return sharedFile(reply, 'application/json; charset=utf-8').send(`${JSON.stringify(metadata, null, 2)}\n`);
  });

  app.get('/disclose/:orgSlug/csaf/white/index.txt', async (request, reply) => {
    const organisation = await makerOf(platform, request);
    return sharedFile(reply, 'text/plain; charset=utf-8').send(indexTxt(await publishedAdvisories(platform.db, organisation.id)));
  });

  app.get('/disclose/:orgSlug/csaf/white/changes.csv', async (request, reply) => {
    const organisation = await makerOf(platform, request);
    return sharedFile(reply, 'text/csv; charset=utf-8').send(changesCsv(await publishedAdvisories(platform.db, organisation.id)));
  });

  app.get('/disclose/:orgSlug/csaf/white/:year/:file', async (request, reply) => {
    const organisation = await makerOf(platform, request);
    const year = pathParam(request, 'year');
    const file = pathParam(request, 'file');
    const m = /^(.+\.json)(\.sha256|\.sha512|\.asc)?$/u.exec(file);
    const advisory = m ? (await publishedAdvisories(platform.db, organisation.id)).find((a) => a.fileName === m[1] && String(a.year) === year) : undefined;
    if (!m || !advisory) throw notFound(`The CSAF file ${year}/${file}`);
    switch (m[2]) {
      case '.sha256':
        return sharedFile(reply, 'text/plain; charset=utf-8').send(sha256Line(advisory.document, advisory.fileName));
      case '.sha512':
        return sharedFile(reply, 'text/plain; charset=utf-8').send(sha512Line(advisory.document, advisory.fileName));
      case '.asc':
        if (!advisory.signature) {
          throw new ConnectableError(
            'CONNECTABLE_ERR_NOT_FOUND',
            `${advisory.trackingId} version ${advisory.version} was published without a signature, because ${organisation.name} had no signing key then. Check it with ${advisory.fileName}.sha256 or .sha512.`,
          );
        }
        return sharedFile(reply, 'application/pgp-signature').send(advisory.signature);
      default:
        return sharedFile(reply, 'application/json; charset=utf-8').send(advisory.document);
    }
  });

  // CSAF discovery (§7.1.7): one provider per host, named by CSAF_PROVIDER, whose directory
  // stays at the maker's own address.
  app.get('/.well-known/csaf/provider-metadata.json', async (_request, reply) => {
    const slug = platform.config.csafProvider;
    if (!slug) {
      throw new ConnectableError(
        'CONNECTABLE_ERR_NOT_FOUND',
        "This installation announces no CSAF provider. Its operator sets CSAF_PROVIDER to a maker's slug (as in /disclose/<slug>); each maker's own provider metadata is at /disclose/<slug>/csaf/provider-metadata.json.",
      );
    }
    const organisation = await findOrganisationBySlug(platform.db, slug);
    if (!organisation || organisation.kind !== 'maker') {
      throw new ConnectableError('CONNECTABLE_ERR_NOT_FOUND', `CSAF_PROVIDER is set to "${slug}", which is no maker on this installation. Set it to a maker's slug, as in /disclose/<slug>.`);
    }
    requireHttps(platform);
    const metadata = await metadataFor(platform, organisation, `${platform.config.publicUrl}/.well-known/csaf/provider-metadata.json`);
    return sharedFile(reply, 'application/json; charset=utf-8').send(`${JSON.stringify(metadata, null, 2)}\n`);
  });
}
