/** The API's types, generated from infra/openapi.yaml (`npm run gen` → src/generated/api.ts). */
import type { components } from './generated/api';

export type { paths } from './generated/api';

type Schemas = components['schemas'];
export type JobInfo = Schemas['Job'];
export type JobList = Schemas['JobList'];
export type JobInput = Schemas['JobInput'];
export type BlastInput = Schemas['BlastInput'];
export type BlastList = Schemas['BlastList'];
export type BlastSummary = BlastList['items'][number];
export type IndividualSummary = Schemas['IndividualSummary'];
export type AccessRecord = Schemas['AccessRecord'];
export type Export = Schemas['Export'];
export type ExportInput = Schemas['ExportInput'];
export type ApiErrorBody = Schemas['Error'];
export type Coverage = Schemas['Coverage'];
export type CoverageColumn = Coverage['columns'][number];
export type CoverageRow = Coverage['rows'][number];
export type CoverageCell = Schemas['CoverageCell'];
export type CoverageStep = CoverageCell['step'];
export type ReminderCreated = Schemas['ReminderCreated'];
export type LakeQueryInput = Schemas['LakeQueryInput'];
export type LakeQueryStatus = Schemas['LakeQueryStatus'];
