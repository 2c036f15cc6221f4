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
