import type { MigrationInterface } from "typeorm";
import { Initial1795641734099 } from "./1795641734099-initial.js";
import { NotificationDispatch1795642642920 } from "./1795642642920-notificationDispatch.js";
import { AttachmentReservations1796115115564 } from "./1796115115564-attachmentReservations.js";

/** MySQL migrations, oldest first (`npm run migrations -- generate <Name>` adds one). */
export const casesMigrations: (new () => MigrationInterface)[] = [Initial1795641734099, NotificationDispatch1795642642920, AttachmentReservations1796115115564];
