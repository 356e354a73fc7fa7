import type DataLoader from "dataloader";
import { createSubgraphIdsLoader } from "../../kit/subgraph-client.js";

/** What this subgraph needs to know about an uploaded file (the attachments subgraph's `attachmentFacts`). */
export interface AttachmentFacts {
  id: string;
  caseId: string;
  fileName: string;
  sha1: string;
  state: "STAGED" | "ATTACHED";
  /** The file entries of an encrypted archive (readable without its password); null when unknown. Submitted e-mails and ATTK files come from them. */
  entryNames: string[] | null;
}

const ATTACHMENT_FACTS_QUERY = "query AttachmentFacts($ids: [ID!]!) { attachmentFacts(ids: $ids) { id caseId fileName sha1 state entryNames } }";

/**
 * Asks the attachments subgraph about files, as the caller (with the caller's identity token): one
 * call per batch, `null` for files the caller may not see.
 */
export function createAttachmentFactsLoader(attachmentsUrl: string, identityToken: string): DataLoader<string, AttachmentFacts | null> {
  return createSubgraphIdsLoader<AttachmentFacts>({ url: attachmentsUrl, subgraph: "attachments", identityToken }, "attachmentFacts", ATTACHMENT_FACTS_QUERY);
}
