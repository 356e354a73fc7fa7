import type DataLoader from "dataloader";
import type { CaseAccess } from "../kit/case-access-client.js";
import type { CaseStatus } from "../kit/case-kinds.js";
import type { Principal } from "../kit/principal.js";
import type { AttachmentFacts } from "./attachment/attachment-facts.client.js";

/** What the other subgraphs answer this caller, asked as the caller and batched across one request. */
export interface CallerLookups {
  /** The case's organization, type, category and status, from the cases subgraph. */
  caseAccess: DataLoader<string, CaseAccess | null>;
  /**
   * Statuses of cases the gateway sent with this request (`Case.threatAnalysis` requires it, from the
   * cases subgraph, as the caller): read before asking `caseAccess` where the status is all that is needed.
   */
  caseStatus?: Map<string, CaseStatus>;
  /** Uploaded files, from the attachments subgraph. */
  attachmentFacts: DataLoader<string, AttachmentFacts | null>;
}

/**
 * What a service needs of one request: who calls, and what the other subgraphs tell that caller.
 * The request context satisfies it; services never see the rest of the context (or each other).
 */
export interface ThreatsRequest {
  principal: Principal;
  loaders: CallerLookups;
}
