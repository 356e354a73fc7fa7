import { Initial1795641734114 } from "./1795641734114-initial.js";
import { AttachmentUploads1795642895484 } from "./1795642895484-attachmentUploads.js";

/** MySQL migrations, oldest first (`npm run migrations -- generate <Name>` adds one). */
export const attachmentsMigrations: Function[] = [Initial1795641734114, AttachmentUploads1795642895484];
