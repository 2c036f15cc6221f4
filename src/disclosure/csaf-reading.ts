import { z } from 'zod';

// The public advisory page is drawn from the CSAF document that was published, not from the
// advisory as it stands now (which may be an unapproved draft of the next revision). This reads
// back the parts a person needs: which products, which versions, which fix, how severe.

const branch: z.ZodType<Branch> = z.lazy(() =>
  z.object({
    category: z.string(),
    name: z.string(),
    branches: z.array(branch).optional(),
    product: z.object({ name: z.string(), product_id: z.string() }).optional(),
  }),
);

interface Branch {
  category: string;
  name: string;
  branches?: Branch[] | undefined;
  product?: { name: string; product_id: string } | undefined;
}

const publishedDocument = z.object({
  product_tree: z.object({ branches: z.array(branch).default([]) }).optional(),
  vulnerabilities: z
    .array(
      z.object({
        title: z.string().default(''),
        ids: z.array(z.object({ system_name: z.string(), text: z.string() })).default([]),
        cve: z.string().optional(),
        cwe: z.object({ id: z.string(), name: z.string() }).optional(),
        notes: z.array(z.object({ category: z.string(), text: z.string(), title: z.string().optional() })).default([]),
        product_status: z.object({ known_affected: z.array(z.string()).optional(), fixed: z.array(z.string()).optional() }).default({}),
        scores: z.array(z.object({ cvss_v3: z.object({ vectorString: z.string(), baseScore: z.number(), baseSeverity: z.string() }).optional() })).default([]),
      }),
    )
    .default([]),
});

export interface PublishedProduct {
  /** What the document calls it, e.g. 'Acme Video Doorbell VD-200 >=2.0.0 <2.4.1'. */
  name: string;
  /** The branch it hangs from: a `vers` range for affected products, a version for fixed ones. */
  versions: string;
}

export interface PublishedVulnerability {
  title: string;
  /** The maker's own references (report numbers). */
  references: string[];
  cve: string | null;
  cwe: { id: string; name: string } | null;
  /** CVSS v3.1 from the scores, or v4.0 carried as a note (CSAF 2.0 has no field for it). */
  cvss: { vector: string; score: string; severity: string }[];
  affected: PublishedProduct[];
  fixed: PublishedProduct[];
}

/** Reads a stored CSAF document; a part that is missing or malformed is left out, never guessed. */
export function readPublishedCsaf(documentText: string): PublishedVulnerability[] {
  let raw: unknown;
  try {
    raw = JSON.parse(documentText);
  } catch {
    return [];
  }
  const parsed = publishedDocument.safeParse(raw);
  if (!parsed.success) return [];
  const products = new Map<string, PublishedProduct>();
  const walk = (branches: Branch[]): void => {
    for (const b of branches) {
      if (b.product) products.set(b.product.product_id, { name: b.product.name, versions: b.name });
      if (b.branches) walk(b.branches);
    }
  };
  walk(parsed.data.product_tree?.branches ?? []);
  const named = (ids: string[] | undefined): PublishedProduct[] => (ids ?? []).map((id) => products.get(id) ?? { name: id, versions: '' });
  return parsed.data.vulnerabilities.map((v) => ({
    title: v.title,
    references: v.ids.map((i) => i.text),
    cve: v.cve ?? null,
    cwe: v.cwe ?? null,
    cvss: [
      ...v.scores.flatMap((s) => (s.cvss_v3 ? [{ vector: s.cvss_v3.vectorString, score: s.cvss_v3.baseScore.toFixed(1), severity: s.cvss_v3.baseSeverity.toLowerCase() }] : [])),
      ...v.notes
        .filter((n) => n.category === 'other' && n.title === 'CVSS v4.0')
        .map((n) => {
          const m = /^(\S+) \(base score ([\d.]+), (\w+)\)$/u.exec(n.text);
          return { vector: m?.[1] ?? n.text, score: m?.[2] ?? '', severity: m?.[3] ?? '' };
        }),
    ],
    affected: named(v.product_status.known_affected),
    fixed: named(v.product_status.fixed),
  }));
}
