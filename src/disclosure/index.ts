export { disclosureMigrations } from './tables.ts';
export { defaultPolicy, getPolicy, policyInput, savePolicy, type DisclosurePolicy } from './policy.ts';
export {
  closeReasons,
  inbox,
  isRejection,
  nextStates,
  openReport,
  postReporterMessage,
  postReporterMessageByEmail,
  setWaitingOnReporter,
  waitingInput,
  postResponderMessage,
  reportInput,
  reporterView,
  reportStates,
  stateLabels,
  submitReport,
  transitionReport,
  type CloseReason,
  type ReportDetail,
  type ReportMessage,
  type ReportState,
  type ReportSummary,
  type ReporterView,
  type SubmittedReport,
} from './reports.ts';
export { closeSilentReports, promiseRecord, ringDeadlines, type PromiseRecord } from './deadlines.ts';
export * from './security-txt.ts';
export { craMigrations, rejectionMigrations, severityMigrations } from './cra-tables.ts';
export { ratingOf, scoreVector, setSeverity, severities, severityInput, type ScoredVector, type Severity } from './severity.ts';
export { craClocks, craStageLabels, craStages, markCraEvent, recordCraSubmission, type CraClock, type CraStage } from './cra.ts';
export { attachmentLimits, checkUpload, downloadHeaders, listAttachments, readAttachment, type AttachmentMetadata, type CheckedFile } from './attachments.ts';
export { dayBases, dayBasisLabels, type DayBasis } from './business-days.ts';
export { issueChallenge, spendProofOfWork } from './proof-of-work.ts';
export { signingExpiryCap } from './openpgp.ts';
export {
  decryptForOrganisation,
  generateKeyForOrganisation,
  getOrganisationKey,
  importKeyForOrganisation,
  keyProblem,
  removeOrganisationKey,
  signDetached,
  signSecurityTxt,
  type StoredKey,
} from './organisation-key.ts';
export { compareVersions, describeRange, listAffected, removeAffected, setAffected, type AffectedProduct } from './affected.ts';
export { cweName as cweNameOf, searchCwe } from './csaf.ts';
