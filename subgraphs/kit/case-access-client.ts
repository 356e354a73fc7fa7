import type DataLoader from "dataloader";
import type { ResponseSeverity } from "./response-targets.js";
import { createSubgraphIdsLoader } from "./subgraph-client.js";

/** What a subgraph other than cases needs to know about a case (see the cases subgraph's `caseAccess`). */
export interface CaseAccess {
  id: string;
  organizationId: string;
  inquiryType: "PRODUCT" | "THREAT";
  threatCategory: string | null;
  status: "OPEN" | "CLOSED";
  /** The case's severity now (it changes over the case's life). */
  severity: ResponseSeverity;
}

const CASE_ACCESS_QUERY = "query CaseAccess($ids: [ID!]!) { caseAccess(ids: $ids) { id organizationId inquiryType threatCategory status severity } }";

/**
 * Asks the cases subgraph about cases, as the caller (with the caller's identity token, so the
 * cases subgraph's visibility rules decide): one HTTP call per request's batch; `null` for cases
 * the caller may not see.
 */
export function createCaseAccessLoader(casesUrl: string, identityToken: string, timeoutMs = 5_000): DataLoader<string, CaseAccess | null> {
  return createSubgraphIdsLoader<CaseAccess>({ url: casesUrl, subgraph: "cases", identityToken, timeoutMs }, "caseAccess", CASE_ACCESS_QUERY);
}
