import { AttachmentReservationEntity } from "./attachment-reservation/attachment-reservation.entity.js";
import { AppliedCaseActivityEntity } from "./case-activity/applied-case-activity.entity.js";
import { CaseEventEntity } from "./case-event/case-event.entity.js";
import { CaseFeedEventEntity, CaseFeedHead } from "./case-feed/case-feed-event.entity.js";
import { CaseUpdateEntity } from "./case-update/case-update.entity.js";
import { CaseCount } from "./case/case-count.entity.js";
import { CaseEntity, CaseNumberAllocation } from "./case/case.entity.js";
import { NotificationEntity } from "./notification/notification.entity.js";
import { OrganizationUser } from "./organization/organization-user.entity.js";
import { Organization } from "./organization/organization.entity.js";
import { ProductProfile } from "./product-profile/product-profile.entity.js";
import { webhookEntities } from "./webhook/webhook.entity.js";
import { CaseSearchDocument } from "./search/case-search-document.entity.js";
import { IdempotencyReceipt } from "../kit/idempotency.js";

/** Every table of the cases database. */
export const casesEntities = [
  Organization,
  OrganizationUser,
  ProductProfile,
  CaseEntity,
  CaseNumberAllocation,
  CaseCount,
  CaseUpdateEntity,
  CaseEventEntity,
  CaseFeedEventEntity,
  CaseFeedHead,
  NotificationEntity,
  AttachmentReservationEntity,
  AppliedCaseActivityEntity,
  ...webhookEntities,
  CaseSearchDocument,
  IdempotencyReceipt,
];
