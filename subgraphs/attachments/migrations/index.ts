import type { MigrationInterface } from "typeorm";
import { Initial1795641734114 } from "./1795641734114-initial.js";
import { AttachmentUploads1795642895484 } from "./1795642895484-attachmentUploads.js";
import { StagingQuota1796110362769 } from "./1796110362769-stagingQuota.js";
import { AttachmentReservations1796115116072 } from "./1796115116072-attachmentReservations.js";
import { ArchiveEntryNames1796220000103 } from "./1796220000103-archiveEntryNames.js";
import { UploadIdempotencyReceipts1796240000001 } from "./1796240000001-uploadIdempotencyReceipts.js";

/** MySQL migrations, oldest first (`npm run migrations -- generate <Name>` adds one). */
export const attachmentsMigrations: (new () => MigrationInterface)[] = [Initial1795641734114, AttachmentUploads1795642895484, StagingQuota1796110362769, AttachmentReservations1796115116072, ArchiveEntryNames1796220000103, UploadIdempotencyReceipts1796240000001];
