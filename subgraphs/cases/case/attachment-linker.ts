import { badInput } from "../../kit/errors.js";
import type { Principal } from "../../kit/principal.js";

/** Rule 8: at most 3 files per case update (and per registration). */
export const MAX_ATTACHMENTS_PER_UPDATE = 3;

/**
 * Turns staged uploads into files of a case. The attachments subgraph owns the files; the cases
 * subgraph only asks it to check and attach them.
 */
export interface AttachmentLinker {
  /** Fails unless every id is a staged file of `caseId` that `principal` may use. */
  check(principal: Principal, caseId: string, attachmentIds: string[]): Promise<void>;
  /** Marks the files ATTACHED to the case (and to the update, when there is one). */
  attach(principal: Principal, caseId: string, updateId: string | null, attachmentIds: string[]): Promise<void>;
}

/** Refuses attachment ids until an attachments subgraph is wired in. */
export const noAttachments: AttachmentLinker = {
  async check(_principal, _caseId, attachmentIds) {
    if (attachmentIds.length > 0) throw badInput("attachmentIds", "attachments are not available in this deployment");
  },
  async attach() {},
};
