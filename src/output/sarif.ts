// SARIF 2.1.0, the format code-scanning services read: the scanner, the probe and the batch audit
// all report through this one writer, each finding under the law's rule id.

export interface SarifRule {
  id: string;
  name: string;
  description: string;
  helpUri?: string;
}

export interface SarifResult {
  ruleId: string;
  level: 'error' | 'warning' | 'note';
  message: string;
  file?: string;
  lines?: number[];
  properties?: Record<string, unknown>;
}

export interface SarifRun {
  toolName: string;
  toolVersion: string;
  rules: SarifRule[];
  results: SarifResult[];
}

export function toSarif(run: SarifRun): Record<string, unknown> {
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: run.toolName,
            version: run.toolVersion,
            informationUri: 'https://github.com/connectable-dev/connectable',
            rules: run.rules.map((r) => ({
              id: r.id,
              name: r.name,
              shortDescription: { text: r.name },
              fullDescription: { text: r.description },
              ...(r.helpUri ? { helpUri: r.helpUri } : {}),
            })),
          },
        },
        results: run.results.map((r) => ({
          ruleId: r.ruleId,
          ruleIndex: run.rules.findIndex((x) => x.id === r.ruleId),
          level: r.level,
          message: { text: r.message },
          ...(r.file
            ? {
                locations: (r.lines?.length ? r.lines : [1]).slice(0, 10).map((line) => ({
                  physicalLocation: { artifactLocation: { uri: r.file }, region: { startLine: line } },
                })),
              }
            : {}),
          ...(r.properties ? { properties: r.properties } : {}),
        })),
      },
    ],
  };
}
