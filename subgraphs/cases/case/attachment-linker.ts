import { badInput } from "../../kit/errors.js";
import { querySubgraph } from "../../kit/subgraph-client.js";

/** Rule 8: at most 3 files per case update (and per registration). */
export const MAX_ATTACHMENTS_PER_UPDATE = 3;

/** What `createCase` knows about the case it is about to register (the attachments subgraph cannot ask yet). */
export interface NewCaseFacts {
  organizationId: string;
  inquiryType: string;
}

/**
 * Turns staged uploads into files of a case. The attachments subgraph owns the files; the cases
 * subgraph only asks it to check and attach them.
 */
export interface AttachmentLinker {
  /**
   * Fails unless every id is a staged file of `caseId` that the caller (whose gateway-signed
   * `identityToken` this is) may use. For a case being registered (`newCase`), the files are the
   * caller's own uploads for its organization, and on a THREAT case each must be a ZIP encrypted
   * with the password `virus`.
   */
  check(identityToken: string, caseId: string, attachmentIds: string[], newCase?: NewCaseFacts): Promise<void>;
  /** Marks the files ATTACHED to the case (and to the update, when there is one). */
  attach(identityToken: string, caseId: string, updateId: string | null, attachmentIds: string[]): Promise<void>;
}

/** Refuses attachment ids until an attachments subgraph is wired in. */
export const noAttachments: AttachmentLinker = {
  async check(_identityToken, _caseId, attachmentIds) {
    if (attachmentIds.length > 0) throw badInput("attachmentIds", "attachments are not available in this deployment");
  },
  async attach() {},
};

const CHECK = `mutation CheckStagedAttachments($caseId: ID!, $ids: [ID!]!, $organizationId: ID, $inquiryType: String) {
  checkStagedAttachments(caseId: $caseId, ids: $ids, organizationId: $organizationId, inquiryType: $inquiryType)
}`;
const ATTACH = `mutation AttachStagedAttachments($caseId: ID!, $updateId: ID, $ids: [ID!]!) {
  attachStagedAttachments(caseId: $caseId, updateId: $updateId, ids: $ids)
}`;

/**
 * The attachments subgraph's `@inaccessible` checkStagedAttachments / attachStagedAttachments,
 * called over HTTP with the caller's own identity token (the gateway names the attachments subgraph
 * in the audience of the tokens it signs for cases), so that its visibility rules decide. Its contract errors (NOT_FOUND, TOO_MANY_FILES, ENCRYPTED_ZIP_REQUIRED, ...) reach the
 * client as they are.
 */
export class HttpAttachmentLinker implements AttachmentLinker {
  constructor(
    private readonly attachmentsUrl: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async check(identityToken: string, caseId: string, attachmentIds: string[], newCase?: NewCaseFacts): Promise<void> {
    if (attachmentIds.length === 0) return;
    await this.call(identityToken, CHECK, { caseId, ids: attachmentIds, organizationId: newCase?.organizationId ?? null, inquiryType: newCase?.inquiryType ?? null });
  }

  async attach(identityToken: string, caseId: string, updateId: string | null, attachmentIds: string[]): Promise<void> {
    if (attachmentIds.length === 0) return;
    await this.call(identityToken, ATTACH, { caseId, updateId, ids: attachmentIds });
  }

  private async call(identityToken: string, query: string, variables: Record<string, unknown>): Promise<void> {
    await querySubgraph({ url: this.attachmentsUrl, subgraph: "attachments", identityToken, timeoutMs: this.timeoutMs }, query, variables);
  }
}
