// ETSI EN 303 645 V2.1.1 (2020-06), "Cyber Security for Consumer Internet of Things: Baseline
// Requirements": every provision of clauses 5.1 to 5.13 and 6, the version the UK Regulations
// cite for deemed compliance. The status codes are those of the standard's Table B.1 ("M",
// "M C", "R", "R C"). Summaries paraphrase the provisions: ETSI's text is copyrighted, so the
// wording here is ours and a user who needs the words is sent to the standard. Where the status or
// the condition is not certain from memory of V2.1.1 (V3.1.3 reworked the conditions into
// "features"), the line says `verify`.
import type { Provision, ProvisionGroup, Requirement } from './types.ts';

type StatusCode = 'M' | 'M C' | 'R' | 'R C';

function clause(number: string, title: string, summary: string): ProvisionGroup {
  return { id: `etsi.${number}`, source: 'etsi', kind: 'group', reference: `ETSI EN 303 645 clause ${number}`, title, summary };
}

function provision(number: string, code: StatusCode, title: string, summary: string, condition?: string): Requirement {
  const clauseNumber = number.slice(0, number.indexOf('-'));
  const base = {
    id: `etsi.${number}`,
    source: 'etsi',
    kind: 'requirement',
    parent: `etsi.${clauseNumber}`,
    reference: `ETSI EN 303 645 ${number}`,
    title,
    summary,
    status: code.startsWith('M') ? 'mandatory' : 'recommended',
    conditional: code.endsWith('C'),
  } as const;
  return condition === undefined ? base : { ...base, condition };
}

const notConstrained = 'where the device is not a constrained device (one whose power, memory or processing cannot support the mechanism)';
const updatesSupported = 'where the device has a mechanism for software updates';
const notUpdatable = 'where the device is constrained and its software cannot be updated';
const telemetryCollected = 'where telemetry data is collected from the device or its services';
const consentBasis = "where personal data is processed on the basis of the consumer's consent";

export const etsiEn303645: readonly Provision[] = [
  clause('5.1', 'No universal default passwords', 'Devices must not ship with one password shared by every unit; passwords are unique or user-set, and authentication resists attack.'),
  provision(
    '5.1-1',
    'M C',
    'Unique or user-defined passwords',
    'Every password on the device is either unique to that unit or chosen by the user.',
    'where passwords are used and in any state other than the factory default',
  ),
  provision(
    '5.1-2',
    'M C',
    'Pre-installed passwords not predictable',
    'Unique passwords set at the factory are generated so that knowing one unit, or the model, does not help an automated attack on others (no counters, no public information, no plain derivation from identifiers).',
    'where pre-installed unique per device passwords are used',
  ),
  provision('5.1-3', 'M', 'Best-practice cryptography for authentication', 'Mechanisms that authenticate users to the device use cryptography that is best practice for the technology, the risk and the use.'),
  provision(
    '5.1-4',
    'M C',
    'Simple way to change the authentication value',
    'The user or an administrator has a simple way to change the password or other value used to authenticate to the device.',
    'where a user can authenticate against the device',
  ),
  provision(
    '5.1-5',
    'M C',
    'Brute-force protection over the network',
    'Authentication over network interfaces is protected so that guessing credentials by brute force is impracticable (delays, lock-outs, limits).',
    notConstrained,
  ),

  clause('5.2', 'Implement a means to manage reports of vulnerabilities', 'The manufacturer can receive, track and act on reports of vulnerabilities.'),
  provision(
    '5.2-1',
    'M',
    'Public vulnerability disclosure policy',
    'The manufacturer publishes a vulnerability disclosure policy giving at least a contact for reports and when reporters can expect an acknowledgement and status updates.',
  ),
  provision('5.2-2', 'R', 'Act on disclosed vulnerabilities promptly', 'Vulnerabilities that are disclosed are dealt with in a timely way.'),
  provision(
    '5.2-3',
    'R',
    'Monitor for vulnerabilities continually',
    'Manufacturers keep watching for, identifying and fixing security vulnerabilities in the products and services they make, sell and operate, throughout the support period.',
  ),

  clause('5.3', 'Keep software updated', 'Device software can be updated securely and updates reach users for a published support period.'),
  provision('5.3-1', 'R', 'All software securely updatable', 'Every software component on the device can be updated securely.'),
  provision('5.3-2', 'M C', 'Secure update mechanism', 'The device has a mechanism for installing updates securely.', notConstrained),
  provision('5.3-3', 'M C', 'Updates simple to apply', 'Applying an update is simple for the user.', updatesSupported),
  provision('5.3-4', 'R C', 'Automatic updates', 'Software updates are delivered by automatic mechanisms.', updatesSupported),
  provision(
    '5.3-5',
    'R C',
    'Check for updates after initialisation and periodically',
    'After initialisation and then at intervals, the device checks whether security updates are available.',
    updatesSupported,
  ),
  provision(
    '5.3-6',
    'R C',
    'Automatic updates on by default and configurable',
    'Automatic updates and update notifications are on in the initialised state, and the user can turn them on or off or postpone them.',
    'where the device supports automatic updates or update notifications',
  ),
  provision('5.3-7', 'M C', 'Best-practice cryptography for updates', 'The update mechanism is secured with best-practice cryptography.', updatesSupported),
  provision('5.3-8', 'M C', 'Timely security updates', 'Security updates are provided in a timely manner.', updatesSupported),
  provision('5.3-9', 'R C', 'Verify updates', 'The device checks that software updates are authentic and have not been altered.', updatesSupported),
  provision(
    '5.3-10',
    'M C',
    'Verify network-delivered updates through a trust relationship',
    'Each update received over a network interface is checked for authenticity and integrity against an established trust relationship (for example a signing key).',
    'where updates are delivered over a network interface',
  ),
  provision(
    '5.3-11',
    'R C',
    'Tell the user an update is needed',
    'The manufacturer tells the user, noticeably, that a security update is needed and what risks it addresses.',
    updatesSupported,
  ),
  provision(
    '5.3-12',
    'R C',
    'Warn when an update disrupts basic functions',
    "The device warns the user when installing an update will interrupt the device's basic functioning.",
    updatesSupported,
  ),
  provision(
    '5.3-13',
    'M',
    'Publish the defined support period',
    'The manufacturer publishes the defined support period in a way that is accessible, clear and transparent to the user.',
  ),
  provision(
    '5.3-14',
    'R C',
    'Explain why a constrained device cannot be updated',
    'For a device whose software cannot be updated, the manufacturer publishes, accessibly and clearly, why not, how and for how long hardware replacement is supported, and the support period.',
    notUpdatable,
  ),
  provision(
    '5.3-15',
    'R C',
    'Isolable and replaceable when not updatable',
    'A device whose software cannot be updated can be isolated and its hardware replaced.',
    notUpdatable,
  ),
  provision(
    '5.3-16',
    'M',
    'Recognisable model designation',
    'The model designation of the device can be clearly recognised, from a label on the device or through a physical interface.',
  ),

  clause('5.4', 'Securely store sensitive security parameters', 'Keys, credentials and other security parameters are stored securely and are not shared across units.'),
  provision('5.4-1', 'M', 'Secure storage of sensitive security parameters', 'Sensitive security parameters held in persistent storage are stored securely by the device.'),
  provision(
    '5.4-2',
    'M C',
    'Tamper-resistant hard-coded device identity',
    'A unique per-device identity hard-coded into the device for security purposes is implemented so that it resists physical, electrical and software tampering.',
    'where a hard-coded unique per device identity is used for security purposes',
  ),
  provision(
    '5.4-3',
    'M',
    'No hard-coded critical security parameters',
    'Critical security parameters (keys, passwords and the like) are not hard-coded in the source code of the device software.',
  ),
  provision(
    '5.4-4',
    'M',
    'Unique per-device keys for updates and communications',
    "Critical security parameters that protect update integrity and authenticity, or communication with the product's services, are unique to each device and generated so as not to expose a whole class of devices to automated attack.",
  ),

  clause('5.5', 'Communicate securely', 'Communications are protected with sound cryptography and security-relevant functions require authentication.'),
  provision('5.5-1', 'M', 'Best-practice cryptography for communications', 'The device uses best-practice cryptography to communicate securely.'),
  provision(
    '5.5-2',
    'R',
    'Reviewed or evaluated implementations',
    'Network and security functions, especially cryptography, use implementations that have been reviewed or evaluated.',
  ),
  provision('5.5-3', 'R', 'Updatable cryptography', 'Cryptographic algorithms and primitives can be updated.'),
  provision(
    '5.5-4',
    'R',
    'Authenticate before network access to functions',
    'In the initialised state, device functions reachable over a network interface are only reachable after authenticating on that interface.',
  ),
  // verify: Table B.1 status of 5.5-5 in V2.1.1 (plain M, or M C for devices that allow such changes).
  provision(
    '5.5-5',
    'M',
    'Authenticate before security-relevant configuration over the network',
    'Functions that change security-relevant configuration over a network interface need authentication first, except for network service protocols the device relies on whose required configuration the manufacturer cannot know in advance.',
  ),
  // verify: whether 5.5-6 is R or R C in V2.1.1.
  provision('5.5-6', 'R', 'Encrypt critical security parameters in transit', 'Critical security parameters are encrypted in transit, appropriately for the technology, risk and use.'),
  // verify: whether 5.5-7 is M or M C in V2.1.1.
  provision(
    '5.5-7',
    'M',
    'Protect critical security parameters over remote interfaces',
    'The confidentiality of critical security parameters sent over remotely accessible network interfaces is protected.',
  ),
  // verify: whether 5.5-8 is M or M C in V2.1.1 (V3 makes it conditional on such parameters existing).
  provision(
    '5.5-8',
    'M',
    'Secure management of critical security parameters',
    'The manufacturer follows secure processes for managing the critical security parameters that relate to the device across their life cycle.',
  ),

  clause('5.6', 'Minimize exposed attack surfaces', 'Only what the device needs is exposed, enabled and privileged.'),
  provision('5.6-1', 'M', 'Disable unused interfaces', 'Network and logical interfaces that are not used are disabled.'),
  provision(
    '5.6-2',
    'M',
    'Minimal unauthenticated disclosure',
    'In the initialised state, network interfaces reveal as little security-relevant information as possible without authentication.',
  ),
  provision('5.6-3', 'R', 'Minimal physical exposure', 'The hardware does not expose physical interfaces to attack without need.'),
  provision(
    '5.6-4',
    'M C',
    'Debug interfaces disabled in software',
    'A debug interface that can be physically reached is disabled in software.',
    'where a debug interface is physically accessible',
  ),
  provision('5.6-5', 'R', 'Only needed services enabled', 'The manufacturer enables only the software services used or required for the intended use or operation of the device.'),
  provision('5.6-6', 'R', 'Minimal code', 'Code is kept to the functionality the service or device needs to work.'),
  provision('5.6-7', 'R', 'Least privilege', 'Software runs with the fewest privileges it needs, balancing security and functionality.'),
  provision('5.6-8', 'R', 'Hardware memory access control', 'The device has a hardware-level access-control mechanism for memory.'),
  provision('5.6-9', 'R', 'Secure development process', 'The manufacturer follows secure development processes for the software deployed on the device.'),

  clause('5.7', 'Ensure software integrity', 'The device checks its own software and reacts to unauthorised changes.'),
  provision('5.7-1', 'R', 'Secure boot', 'The device verifies its software using secure boot mechanisms.'),
  // verify: whether 5.7-2 is R or R C in V2.1.1 (its text is phrased as a condition).
  provision(
    '5.7-2',
    'R',
    'Alert on unauthorised software change',
    'If an unauthorised change to its software is detected, the device alerts the user or administrator and connects to no wider network than it needs to raise that alert.',
  ),

  clause('5.8', 'Ensure that personal data is secure', 'Personal data is protected in transit and sensing capabilities are disclosed.'),
  provision(
    '5.8-1',
    'R',
    'Protect personal data in transit',
    'Personal data travelling between the device and a service, particularly its associated services, is kept confidential with best-practice cryptography.',
  ),
  // verify: whether 5.8-2 and 5.8-3 are M or M C in V2.1.1.
  provision(
    '5.8-2',
    'M',
    'Protect sensitive personal data in transit',
    'Sensitive personal data exchanged between the device and its associated services is kept confidential with cryptography suited to the technology and use.',
  ),
  provision('5.8-3', 'M', 'Document external sensing capabilities', "All of the device's external sensing capabilities (camera, microphone, sensors) are documented accessibly, clearly and transparently for the user."),

  clause('5.9', 'Make systems resilient to outages', 'Devices and services keep working, or recover cleanly, through network and power outages.'),
  provision('5.9-1', 'R', 'Resilience to outages', 'Devices and services are built to cope with outages of data networks and power.'),
  provision(
    '5.9-2',
    'R',
    'Keep working locally; recover after power loss',
    'The device keeps operating and its local functions keep working when network access is lost, and it recovers cleanly when power returns after a loss.',
  ),
  provision(
    '5.9-3',
    'R',
    'Orderly network connection',
    'The device connects to networks in an expected, operational and stable state and in an orderly way, with regard to what the infrastructure can bear.',
  ),

  clause('5.10', 'Examine system telemetry data', 'Telemetry, where collected, is used to spot security problems.'),
  provision('5.10-1', 'R C', 'Examine telemetry for security anomalies', 'Usage and measurement telemetry collected from devices and services is examined for security anomalies.', telemetryCollected),

  clause('5.11', 'Make it easy for users to delete user data', 'Users can remove their data from the device and services, simply and with confirmation.'),
  provision('5.11-1', 'M', 'Simple erasure of user data on the device', 'The user has a simple way to erase user data from the device.'),
  provision(
    '5.11-2',
    'R',
    'Remove personal data from associated services',
    'The consumer has a simple way, from the device, to remove personal data from associated services.',
  ),
  provision('5.11-3', 'R', 'Clear deletion instructions', 'Users get clear instructions on how to delete their personal data.'),
  provision(
    '5.11-4',
    'R',
    'Confirmation of deletion',
    'Users get clear confirmation that their personal data has been deleted from services, devices and applications.',
  ),

  clause('5.12', 'Make installation and maintenance of devices easy', 'Setting up and maintaining the device securely is easy and guided.'),
  provision('5.12-1', 'R', 'Minimal, usable set-up steps', 'Installation and maintenance take as few steps and decisions as possible and follow security best practice on usability.'),
  provision('5.12-2', 'R', 'Guidance on secure set-up', 'The manufacturer tells users how to set the device up securely.'),
  provision('5.12-3', 'R', 'Guidance on checking set-up', 'The manufacturer tells users how to check that the device is set up securely.'),

  clause('5.13', 'Validate input data', 'Software checks the data it receives.'),
  provision(
    '5.13-1',
    'M',
    'Validate input',
    'Device software validates data that arrives through user interfaces, through application programming interfaces, or across networks between services and devices.',
  ),

  clause('6', 'Data protection provisions for consumer IoT', 'Consumers are told what personal data is processed and why, and consent is handled properly.'),
  provision(
    '6-1',
    'M',
    'Information on personal data processing',
    'The manufacturer tells consumers clearly and transparently, for each device and service, what personal data is processed, how it is used, by whom (including third parties such as advertisers) and for what purposes.',
  ),
  provision('6-2', 'M C', 'Valid consent', 'Where processing relies on consent, that consent is obtained validly.', consentBasis),
  provision('6-3', 'M C', 'Consent can be withdrawn', 'Consumers who consented to processing of their personal data can withdraw that consent at any time.', consentBasis),
  provision(
    '6-4',
    'R C',
    'Minimise personal data in telemetry',
    'Personal data processed in telemetry is kept to the minimum the intended functionality needs.',
    telemetryCollected,
  ),
  provision(
    '6-5',
    'M C',
    'Information on telemetry',
    'Consumers are told what telemetry is collected, how it is used, by whom and for what purposes.',
    telemetryCollected,
  ),
];
