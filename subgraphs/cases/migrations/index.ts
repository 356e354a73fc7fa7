import type { MigrationInterface } from "typeorm";
import { Initial1795641734099 } from "./1795641734099-initial.js";
import { NotificationDispatch1795642642920 } from "./1795642642920-notificationDispatch.js";
import { AttachmentReservations1796115115564 } from "./1796115115564-attachmentReservations.js";
import { CaseFeed1796230000001 } from "./1796230000001-caseFeed.js";
import { AppliedCaseActivities1796210000002 } from "./1796210000002-appliedCaseActivities.js";
import { OrganizationUsers1796220000001 } from "./1796220000001-organizationUsers.js";
import { ProblemCategoryIds1796220000002 } from "./1796220000002-problemCategoryIds.js";
import { Webhooks1796230000002 } from "./1796230000002-webhooks.js";
import { CaseSearch1796230000003 } from "./1796230000003-caseSearch.js";
import { CaseSearchStorageMode1796240000001 } from "./1796240000001-caseSearchStorageMode.js";
import { CaseSearchWords1796240000002 } from "./1796240000002-caseSearchWords.js";
import { IdempotencyReceipts1796240000003 } from "./1796240000003-idempotencyReceipts.js";
import { ReservationRequestScope1796240000004 } from "./1796240000004-reservationRequestScope.js";
import { CaseCounts1796240000010 } from "./1796240000010-caseCounts.js";
import { CaseOrderIndexes1796240000011 } from "./1796240000011-caseOrderIndexes.js";

/** MySQL migrations, oldest first (`npm run migrations -- generate <Name>` adds one). */
export const casesMigrations: (new () => MigrationInterface)[] = [
  Initial1795641734099,
  NotificationDispatch1795642642920,
  AttachmentReservations1796115115564,
  AppliedCaseActivities1796210000002,
  OrganizationUsers1796220000001,
  ProblemCategoryIds1796220000002,
  CaseFeed1796230000001,
  Webhooks1796230000002,
  CaseSearch1796230000003,
  CaseSearchStorageMode1796240000001,
  CaseSearchWords1796240000002,
  IdempotencyReceipts1796240000003,
  ReservationRequestScope1796240000004,
  CaseCounts1796240000010,
  CaseOrderIndexes1796240000011,
];
