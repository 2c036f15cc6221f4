// The verdict on an image: does it meet the password duty? It does only if no credential the
// image fixes for every unit was found. That is PSTI Schedule 1 paragraph 1 (passwords unique per
// product or defined by the user), which ETSI EN 303 645 provision 5.1-1 meets; 5.1-2 adds that
// a pre-installed password must not be guessable. Keys and API tokens are reported but, being
// outside the paragraph's meaning of "password" (psti.s1.1.4), do not decide this verdict.
import { severities, type Finding, type Severity } from './finding.ts';

export interface ScanSummary {
  meetsPasswordDuty: boolean;
  /** Findings of a credential that is the same on every unit. */
  universalCredentials: number;
  bySeverity: Record<Severity, number>;
  verdict: string;
}

export function summarise(findings: readonly Finding[]): ScanSummary {
  const bySeverity = Object.fromEntries(severities.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) bySeverity[f.severity]++;
  const universal = findings.filter((f) => f.universal);
  const guessable = universal.filter((f) => f.lawIds.includes('psti.s1.1.3d'));
  const sharedSecrets = findings.filter((f) => !f.universal && f.lawIds.includes('etsi.5.4-3'));
  const meetsPasswordDuty = universal.length === 0;

  let verdict: string;
  if (meetsPasswordDuty) {
    verdict =
      'PASS — no universal default password found: the image fixes no login credential that would be the same on every unit (PSTI Schedule 1 paragraph 1, psti.s1.1; ETSI EN 303 645 5.1-1). ' +
      'This covers what a static scan can see; passwords set per unit in the factory must still be unique and not guessable (audit the batch).';
  } else {
    const where = [...new Set(universal.map((f) => f.path))].slice(0, 5).join(', ');
    verdict =
      `FAIL — ${universal.length} universal credential${universal.length === 1 ? '' : 's'} (in ${where}${new Set(universal.map((f) => f.path)).size > 5 ? ', …' : ''}): ` +
      'every unit made from this image would share them, so its passwords are neither unique per product nor defined by the user, which PSTI Schedule 1 paragraph 1 requires (psti.s1.1.2a; ETSI EN 303 645 5.1-1).' +
      (guessable.length > 0 ? ` ${guessable.length} of them ${guessable.length === 1 ? 'is' : 'are'} also a known default or common password, guessable in the sense of paragraph 1(3)(d) (psti.s1.1.3d; ETSI 5.1-2).` : '');
  }
  if (sharedSecrets.length > 0) {
    verdict += ` Separately, ${sharedSecrets.length} private key${sharedSecrets.length === 1 ? '' : 's'} or secret${sharedSecrets.length === 1 ? ' is' : 's are'} the same in every unit (ETSI 5.4-3); keys are not passwords for PSTI (psti.s1.1.4) but are shared secrets all the same.`;
  }
  return { meetsPasswordDuty, universalCredentials: universal.length, bySeverity, verdict };
}
