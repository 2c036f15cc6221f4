// The network probe: what the CLI and the API use. Protocol modules are registered here by the
// service they speak.
import { fingerprintCredentials } from './protocols/http-fingerprints.ts';
import { ftpProbe } from './protocols/ftp.ts';
import { httpProbe, httpsProbe } from './protocols/http.ts';
import { mqttProbe } from './protocols/mqtt.ts';
import { rtspProbe } from './protocols/rtsp.ts';
import { snmpProbe } from './protocols/snmp.ts';
import { sshProbe } from './protocols/ssh.ts';
import { telnetProbe } from './protocols/telnet.ts';
import type { Credential, Detection, ProtocolProbe, ServiceKind } from './types.ts';

export const protocols: Record<ServiceKind, ProtocolProbe> = {
  telnet: telnetProbe,
  ssh: sshProbe,
  http: httpProbe,
  https: httpsProbe,
  ftp: ftpProbe,
  mqtt: mqttProbe,
  rtsp: rtspProbe,
  snmp: snmpProbe,
};

/** The defaults a protocol knows for the product its detection recognised. */
export function fingerprintPairs(service: ServiceKind, detection: Detection): Credential[] {
  if ((service === 'http' || service === 'https') && detection.fingerprint) return fingerprintCredentials(detection.fingerprint.vendor, detection.fingerprint.product);
  return [];
}

export { credentialsFor, parseCredentialList, readCredentialFile } from './credentials.ts';
export { defaultLimits, planProbe, runProbe, type ProbeLimits, type ProbeRun, type ServiceResult } from './run.ts';
export { probeFailOnChoices, probeFails, probeFindings, probeJson, probeSarif, probeSummary, probeText, type ProbeFailOn, type ProbeFinding } from './report.ts';
export { DEFAULT_MAX_HOSTS, resolveTargets, type Target } from './targets.ts';
export { serviceKinds, type ServiceKind } from './types.ts';
