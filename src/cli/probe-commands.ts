import fs from 'node:fs';
import {
  DEFAULT_MAX_HOSTS,
  defaultLimits,
  fingerprintPairs,
  planProbe,
  probeFailOnChoices,
  probeFails,
  probeFindings,
  probeJson,
  probeSarif,
  probeSummary,
  probeText,
  protocols,
  readCredentialFile,
  resolveTargets,
  runProbe,
  serviceKinds,
  type ProbeFailOn,
  type ProbeLimits,
  type ServiceKind,
} from '../probe/index.ts';
import { EXIT, json, usageError, type Command, type Io } from './command.ts';
import { VERSION } from './passwords-commands.ts';
import { uploadEvidence, uploadOptions, uploadTarget, uploadUsage } from './upload.ts';

const usage = `connectable probe TARGET ... [options]

Tests devices on a bench network for universal default credentials: finds which of telnet, SSH,
HTTP(S), FTP, MQTT, RTSP and SNMP answer, recognises the product, checks whether a login is needed
at all, makes a control attempt with a random credential, then tries the maker's own list, the
product's known defaults and the common device defaults — one at a time per service, politely.
Only the targets given are ever contacted. Exit 1 when a login succeeded (or a service let the
probe in with none), 0 when not, 2 when the probe could not run as asked.

TARGET is an address (192.168.1.20, fe80::1), a host name, a CIDR range (10.0.0.0/28),
host:port or [v6]:port, or service://host:port (rtsp://192.168.1.20:8554).
  --services LIST            which services to look for (default all): ${serviceKinds.join(',')}
  --ports "SERVICE=PORTS ..."   other ports, e.g. --ports "telnet=23,2323 http=80,8080"
  --credentials FILE         the maker's own list, tried first (user:password per line, or CSV
                             with username,password[,service] columns)
  --only-credentials         try only the maker's list
  --max-attempts N           credentials per service, control included (default ${defaultLimits.attemptsPerService})
  --max-host-attempts N      credentials per host over all services (default ${defaultLimits.attemptsPerHost})
  --concurrency N            exchanges in flight over the whole probe (default ${defaultLimits.concurrency})
  --delay MS                 pause between attempts on one service (default ${defaultLimits.delayMs})
  --timeout MS               bound on each step: connect, each answer (default ${defaultLimits.stepTimeoutMs})
  --time-limit SECONDS       bound on the whole probe (default ${defaultLimits.timeLimitMs / 1000})
  --max-hosts N              most addresses the targets may expand to (default ${DEFAULT_MAX_HOSTS})
  --dry-run                  print the plan (addresses, services, ports, credentials) and send nothing
  --format text|json|sarif   how to report (default text; --json is --format json)
  --output FILE              write the report there instead of standard output
  --fail-on WHAT             login (default), default-credential or never
  --show-secrets             print the passwords that worked instead of masking them
${uploadUsage}`;

function positiveInteger(values: Record<string, string | boolean | undefined>, name: string, max: number): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > max) throw usageError(`--${name} takes a whole number from 0 to ${max.toLocaleString('en-GB')}; got "${String(raw)}".`);
  return n;
}

/** Parses --ports "telnet=23,2323 http=80". */
export function parsePorts(raw: string): Partial<Record<ServiceKind, number[]>> {
  const out: Partial<Record<ServiceKind, number[]>> = {};
  for (const part of raw.split(/[\s;]+/).filter(Boolean)) {
    const m = /^([a-z]+)=([\d,]+)$/i.exec(part);
    const service = (m?.[1] ?? '').toLowerCase();
    if (!m || !(serviceKinds as readonly string[]).includes(service)) {
      throw usageError(`--ports: "${part}" is not SERVICE=PORT[,PORT…] with SERVICE one of ${serviceKinds.join(', ')}. Example: --ports "telnet=23,2323 http=8080".`);
    }
    const ports = (m[2] ?? '').split(',').filter(Boolean).map(Number);
    for (const p of ports) if (!Number.isInteger(p) || p < 1 || p > 65535) throw usageError(`--ports: ${p} is not a port from 1 to 65535.`);
    out[service as ServiceKind] = ports;
  }
  return out;
}

function progress(io: Io): ((p: { services: number; servicesDone: number; attempts: number; logins: number }) => void) | undefined {
  if (!process.stderr.isTTY || io.env['CI']) return undefined;
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < 150 && p.servicesDone < p.services) return;
    last = now;
    const width = 24;
    const filled = p.services ? Math.round((p.servicesDone / p.services) * width) : width;
    process.stderr.write(`\r  [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.servicesDone}/${p.services} services, ${p.attempts} attempts, ${p.logins} login${p.logins === 1 ? '' : 's'}\x1b[K`);
  };
}

export const probeCommands: Record<string, Command> = {
  probe: {
    summary: 'Test devices on the network for universal default credentials',
    usage,
    positionals: 'TARGET ...',
    options: {
      services: { type: 'string' },
      ports: { type: 'string' },
      credentials: { type: 'string' },
      'only-credentials': { type: 'boolean', default: false },
      'max-attempts': { type: 'string' },
      'max-host-attempts': { type: 'string' },
      concurrency: { type: 'string' },
      delay: { type: 'string' },
      timeout: { type: 'string' },
      'time-limit': { type: 'string' },
      'max-hosts': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      format: { type: 'string' },
      output: { type: 'string' },
      'fail-on': { type: 'string' },
      'show-secrets': { type: 'boolean', default: false },
      ...uploadOptions,
      ...json,
    },
    async run(values, io, positionals) {
      if (positionals.length === 0) throw usageError(`Give at least one target to probe.\n\n${usage}`);
      const format = values['json'] ? 'json' : String(values['format'] ?? 'text');
      if (!['text', 'json', 'sarif'].includes(format)) throw usageError(`--format takes text, json or sarif; got "${format}".`);
      const failOn = String(values['fail-on'] ?? 'login');
      if (!(probeFailOnChoices as readonly string[]).includes(failOn)) throw usageError(`--fail-on takes one of ${probeFailOnChoices.join(', ')}; got "${failOn}".`);
      let services: ServiceKind[] = [...serviceKinds];
      if (typeof values['services'] === 'string') {
        services = values['services'].split(',').map((s) => s.trim().toLowerCase()).filter(Boolean) as ServiceKind[];
        const unknown = services.filter((s) => !(serviceKinds as readonly string[]).includes(s));
        if (unknown.length || services.length === 0) throw usageError(`--services takes a comma-separated list of ${serviceKinds.join(', ')}; "${unknown.join(', ') || values['services']}" is not one.`);
      }
      const ports = typeof values['ports'] === 'string' ? parsePorts(values['ports']) : {};
      const limits: Partial<ProbeLimits> = {};
      const set = (key: keyof ProbeLimits, name: string, max: number, scale = 1, min = 0): void => {
        const n = positiveInteger(values, name, max);
        if (n === undefined) return;
        if (n < min) throw usageError(`--${name} must be at least ${min}.`);
        limits[key] = n * scale;
      };
      set('attemptsPerService', 'max-attempts', 100_000, 1, 1);
      set('attemptsPerHost', 'max-host-attempts', 1_000_000, 1, 1);
      set('concurrency', 'concurrency', 1024, 1, 1);
      set('delayMs', 'delay', 60_000);
      set('stepTimeoutMs', 'timeout', 600_000, 1, 100);
      set('timeLimitMs', 'time-limit', 7 * 86_400, 1000, 1);
      const maxHosts = positiveInteger(values, 'max-hosts', 1 << 24);
      const maker = typeof values['credentials'] === 'string' ? readCredentialFile(values['credentials']) : undefined;
      const upload = uploadTarget(values, io);
      if (values['only-credentials'] && !maker) throw usageError('--only-credentials needs --credentials FILE: the list to try.');

      const targets = await resolveTargets(positionals, maxHosts === undefined ? {} : { maxHosts });
      const base = { targets, services, ports, protocols, ...(maker ? { maker } : {}), ...(values['only-credentials'] ? { makerOnly: true } : {}), limits };

      if (values['dry-run']) {
        const plan = planProbe(base);
        if (format === 'json') io.out(JSON.stringify(plan, null, 2));
        else {
          const lines = [`Dry run: nothing is sent. ${plan.scope.length} address${plan.scope.length === 1 ? '' : 'es'} in scope; ${plan.endpoints.length} service endpoint${plan.endpoints.length === 1 ? '' : 's'} to look at.`];
          for (const e of plan.endpoints.slice(0, 200)) {
            const alt = e.alternatives.length ? ` (or ${e.alternatives.join(', ')}, whichever answers)` : '';
            lines.push(`  ${e.endpoint.service}${alt} on ${e.endpoint.host.includes(':') ? `[${e.endpoint.host}]` : e.endpoint.host}:${e.endpoint.port}: a control attempt, then up to ${e.credentials} credentials (first: ${e.firstCredentials.map((c) => (c.username ? `${c.username}:…` : '…')).join(', ')}; a recognised product's own defaults go first)`);
          }
          if (plan.endpoints.length > 200) lines.push(`  … and ${plan.endpoints.length - 200} more (see --json)`);
          const l = plan.limits;
          lines.push(`Limits: ${l.attemptsPerService} attempts per service, ${l.attemptsPerHost} per host, ${l.concurrency} exchanges at once, ${l.delayMs} ms between attempts, ${l.stepTimeoutMs} ms per step, ${l.timeLimitMs / 1000} s in all; stop at the first login, on a lock-out sign, or after ${l.maxConsecutiveFailures} failures in a row.`);
          io.out(lines.join('\n'));
        }
        return EXIT.ok;
      }

      const onProgress = progress(io);
      const interrupt = new AbortController();
      const onSigint = (): void => interrupt.abort();
      process.once('SIGINT', onSigint);
      let run;
      try {
        run = await runProbe({ ...base, fingerprintPairs, signal: interrupt.signal, ...(onProgress ? { onProgress } : {}) });
      } finally {
        process.off('SIGINT', onSigint);
        if (onProgress) process.stderr.write('\r\x1b[K');
      }
      const showSecrets = values['show-secrets'] === true;
      const findings = probeFindings(run, showSecrets);
      const summary = probeSummary(run, findings);
      const text = format === 'json' ? probeJson(run, findings, summary, showSecrets) : format === 'sarif' ? JSON.stringify(probeSarif(run, findings, VERSION), null, 2) : probeText(run, findings, summary);
      if (typeof values['output'] === 'string') fs.writeFileSync(values['output'], `${text}\n`);
      else io.out(text);
      if (upload) for (const line of await uploadEvidence(upload, 'probe', 'connectable probe', VERSION, JSON.parse(probeJson(run, findings, summary, false)))) io.err(line);
      return probeFails(findings, failOn as ProbeFailOn) ? EXIT.findings : EXIT.ok;
    },
  },
};
