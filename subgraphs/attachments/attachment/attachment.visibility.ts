import { canSeeOrganization, type Principal } from "../../kit/principal.js";
import { type AttachmentEntity, AttachmentState } from "./attachment.entity.js";

/**
 * True when `principal` uploaded the file. Principal ids do not collide across kinds: an API key's id
 * is `key_` and twelve characters the gateway chose, a user's is the identity provider's `sub`.
 */
export function isUploader(principal: Principal, row: AttachmentEntity): boolean {
  return row.uploadedBy.id === principal.id;
}

/**
 * Who sees a file, by id or in a list, and may download it:
 * - ATTACHED (part of a case: the attachments tab, an update's files): anyone who may see the organization;
 * - STAGED (uploaded, not sent with a registration or an update yet): its uploader alone, nobody else
 *   of the organization, engineers included; a file nobody submitted is nobody else's business;
 * - RESERVED (in the middle of joining a case): nobody, until it is ATTACHED or STAGED again.
 */
export function canSeeAttachment(principal: Principal, row: AttachmentEntity): boolean {
  if (!canSeeOrganization(principal, row.organizationId)) return false;
  switch (row.state) {
    case AttachmentState.ATTACHED:
      return true;
    case AttachmentState.STAGED:
      return isUploader(principal, row);
    default:
      return false;
  }
}
