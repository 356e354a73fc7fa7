import type { MigrationInterface } from "typeorm";
import { Initial1795641734130 } from "./1795641734130-initial.js";
import { AttkAnalyzedAt1795642688084 } from "./1795642688084-attkAnalyzedAt.js";
import { CaseActivityOutbox1796210000001 } from "./1796210000001-caseActivityOutbox.js";
import { AnalysisRequestLifecycle1796215000000 } from "./1796215000000-analysisRequestLifecycle.js";
import { RequestQueue1796220000101 } from "./1796220000101-requestQueue.js";
import { EmailFiles1796220000102 } from "./1796220000102-emailFiles.js";
import { IdempotencyReceipts1796240000002 } from "./1796240000002-idempotencyReceipts.js";

/** MySQL migrations, oldest first (`npm run migrations -- generate <Name>` adds one). */
export const threatsMigrations: (new () => MigrationInterface)[] = [Initial1795641734130, AttkAnalyzedAt1795642688084, CaseActivityOutbox1796210000001, AnalysisRequestLifecycle1796215000000, RequestQueue1796220000101, EmailFiles1796220000102, IdempotencyReceipts1796240000002];
