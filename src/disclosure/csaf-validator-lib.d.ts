// @secvisogram/csaf-validator-lib is plain JavaScript without declarations, so the few modules we
// import are described here. The package has no "exports" map: its modules are imported by file
// path, with the `.js` ending. Only what csaf.ts uses is declared.

// validate.js runs whatever test functions it is given; validateStrict.js would first check that
// they are the library's own, but it imports every optional and informative test (hunspell and
// all) to do so, several seconds of loading we avoid: our tests come from basic.js only.
declare module '@secvisogram/csaf-validator-lib/validate.js' {
  export interface CsafTestMessage {
    message: string;
    instancePath: string;
  }
  export interface CsafTestOutcome {
    name: string;
    isValid: boolean;
    errors: CsafTestMessage[];
    warnings: CsafTestMessage[];
    infos: CsafTestMessage[];
  }
  export interface CsafTestResult {
    isValid?: boolean;
    errors?: CsafTestMessage[];
    warnings?: CsafTestMessage[];
    infos?: CsafTestMessage[];
  }
  export type CsafDocumentTest = (doc: unknown) => CsafTestResult | Promise<CsafTestResult>;
  export default function validate(
    tests: CsafDocumentTest[],
    doc: unknown,
  ): Promise<{ isValid: boolean; tests: CsafTestOutcome[] }>;
}

// basic.js: the strict CSAF 2.0 JSON schema and every mandatory test (6.1.x) except 6.1.8, whose
// CVSS schema check is already part of the strict schema.
declare module '@secvisogram/csaf-validator-lib/basic.js' {
  import type { CsafDocumentTest } from '@secvisogram/csaf-validator-lib/validate.js';
  export const csaf_2_0_strict: CsafDocumentTest;
  export const mandatoryTest_6_1_1: CsafDocumentTest;
  export const mandatoryTest_6_1_2: CsafDocumentTest;
  export const mandatoryTest_6_1_3: CsafDocumentTest;
  export const mandatoryTest_6_1_4: CsafDocumentTest;
  export const mandatoryTest_6_1_5: CsafDocumentTest;
  export const mandatoryTest_6_1_6: CsafDocumentTest;
  export const mandatoryTest_6_1_7: CsafDocumentTest;
  export const mandatoryTest_6_1_9: CsafDocumentTest;
  export const mandatoryTest_6_1_10: CsafDocumentTest;
  export const mandatoryTest_6_1_11: CsafDocumentTest;
  export const mandatoryTest_6_1_12: CsafDocumentTest;
  export const mandatoryTest_6_1_13: CsafDocumentTest;
  export const mandatoryTest_6_1_14: CsafDocumentTest;
  export const mandatoryTest_6_1_15: CsafDocumentTest;
  export const mandatoryTest_6_1_16: CsafDocumentTest;
  export const mandatoryTest_6_1_17: CsafDocumentTest;
  export const mandatoryTest_6_1_18: CsafDocumentTest;
  export const mandatoryTest_6_1_19: CsafDocumentTest;
  export const mandatoryTest_6_1_20: CsafDocumentTest;
  export const mandatoryTest_6_1_21: CsafDocumentTest;
  export const mandatoryTest_6_1_22: CsafDocumentTest;
  export const mandatoryTest_6_1_23: CsafDocumentTest;
  export const mandatoryTest_6_1_24: CsafDocumentTest;
  export const mandatoryTest_6_1_25: CsafDocumentTest;
  export const mandatoryTest_6_1_26: CsafDocumentTest;
  export const mandatoryTest_6_1_27_1: CsafDocumentTest;
  export const mandatoryTest_6_1_27_2: CsafDocumentTest;
  export const mandatoryTest_6_1_27_3: CsafDocumentTest;
  export const mandatoryTest_6_1_27_4: CsafDocumentTest;
  export const mandatoryTest_6_1_27_5: CsafDocumentTest;
  export const mandatoryTest_6_1_27_6: CsafDocumentTest;
  export const mandatoryTest_6_1_27_7: CsafDocumentTest;
  export const mandatoryTest_6_1_27_8: CsafDocumentTest;
  export const mandatoryTest_6_1_27_9: CsafDocumentTest;
  export const mandatoryTest_6_1_27_10: CsafDocumentTest;
  export const mandatoryTest_6_1_27_11: CsafDocumentTest;
  export const mandatoryTest_6_1_28: CsafDocumentTest;
  export const mandatoryTest_6_1_29: CsafDocumentTest;
  export const mandatoryTest_6_1_30: CsafDocumentTest;
  export const mandatoryTest_6_1_31: CsafDocumentTest;
  export const mandatoryTest_6_1_32: CsafDocumentTest;
  export const mandatoryTest_6_1_33: CsafDocumentTest;
}

declare module '@secvisogram/csaf-validator-lib/cwe.js' {
  /** The CWE list (id and exact name) that mandatory test 6.1.11 checks `cwe` against. */
  export const weaknesses: readonly { readonly id: string; readonly name: string }[];
}
