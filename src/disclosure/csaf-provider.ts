// The files a CSAF 2.0 provider serves beside its advisories (§7.1, directory-based distribution;
// no ROLIE feed): provider-metadata.json, index.txt, changes.csv and the .sha256/.sha512 files.
// Pure text builders; the web layer serves them and the publisher writes them.

import { createHash } from 'node:crypto';
import type { AdvisoryPublisher } from './csaf.ts';

export interface PublishedEntry {
  /** As made by csafFileName. */
  fileName: string;
  /** Year of the initial release: advisories live under `<directory>/<year>/` (§7.1.11). */
  year: number;
  currentReleaseDate: Date;
}

export interface ProviderMetadata {
  canonical_url: string;
  distributions: { directory_url: string }[];
  last_updated: string;
  list_on_CSAF_aggregators: boolean;
  metadata_version: '2.0';
  mirror_on_CSAF_aggregators: boolean;
  public_openpgp_keys: { fingerprint: string; url: string }[];
  publisher: { category: 'vendor'; name: string; namespace: string; contact_details?: string };
  role: 'csaf_provider';
}

/**
 * provider-metadata.json (§7.1.7). The role claimed is csaf_provider (§7.2.2: valid documents,
 * TLS, this file, a per-year directory with index.txt and changes.csv). csaf_trusted_provider
 * (§7.2.3) adds requirements 18–20 — a hash, an OpenPGP signature and a published key for every
 * document — and a revision may be stored without a signature, so we do not promise it. Aggregators
 * may list and mirror, since the point of publishing is to be found.
 */
export function providerMetadata(o: {
  /** https://host/.well-known/csaf/provider-metadata.json */
  canonicalUrl: string;
  publisher: AdvisoryPublisher;
  directoryUrl: string;
  lastUpdated: Date;
  publicKeys: { fingerprint: string; url: string }[];
}): ProviderMetadata {
  const contact = o.publisher.contactDetails.trim();
  return {
    canonical_url: o.canonicalUrl,
    // A directory URL ends in '/', so that 'YYYY/file.json' from index.txt resolves beneath it.
    distributions: [{ directory_url: o.directoryUrl.endsWith('/') ? o.directoryUrl : `${o.directoryUrl}/` }],
    last_updated: o.lastUpdated.toISOString(),
    list_on_CSAF_aggregators: true,
    metadata_version: '2.0',
    mirror_on_CSAF_aggregators: true,
    public_openpgp_keys: o.publicKeys.map((k) => ({ fingerprint: k.fingerprint.replaceAll(' ', '').toUpperCase(), url: k.url })),
    publisher: {
      category: 'vendor',
      name: o.publisher.name,
      namespace: o.publisher.namespace,
      ...(contact ? { contact_details: contact } : {}),
    },
    role: 'csaf_provider',
  };
}

function entryPath(e: PublishedEntry): string {
  return `${e.year}/${e.fileName}`;
}

/** index.txt (§7.1.12): the path of every advisory below the directory, one a line, sorted. */
export function indexTxt(entries: PublishedEntry[]): string {
  return entries
    .map(entryPath)
    .sort()
    .map((p) => `${p}\n`)
    .join('');
}

/** changes.csv (§7.1.13): `"path","current release date"`, the most recently changed first. */
export function changesCsv(entries: PublishedEntry[]): string {
  return [...entries]
    .sort((x, y) => y.currentReleaseDate.getTime() - x.currentReleaseDate.getTime() || entryPath(x).localeCompare(entryPath(y)))
    .map((e) => `${csvField(entryPath(e))},${csvField(e.currentReleaseDate.toISOString())}\n`)
    .join('');
}

function csvField(value: string): string {
  return `"${value.replaceAll('"', '""')}"`;
}

/** The body of `file.json.sha256` (§7.1.18): the sha256sum format, hash, two spaces, file name. */
export function sha256Line(content: string, fileName: string): string {
  return hashLine('sha256', content, fileName);
}

/** The body of `file.json.sha512`, in the same format. */
export function sha512Line(content: string, fileName: string): string {
  return hashLine('sha512', content, fileName);
}

function hashLine(algorithm: 'sha256' | 'sha512', content: string, fileName: string): string {
  return `${createHash(algorithm).update(content, 'utf8').digest('hex')}  ${fileName}\n`;
}
