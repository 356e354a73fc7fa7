import DataLoader from "dataloader";
import { IDENTITY_HEADER, signIdentity } from "./identity.js";
import type { Principal } from "./principal.js";

/** What a subgraph other than cases needs to know about a case (see the cases subgraph's `caseAccess`). */
export interface CaseAccess {
  id: string;
  organizationId: string;
  inquiryType: "PRODUCT" | "THREAT";
  threatCategory: string | null;
  status: "OPEN" | "CLOSED";
}

const CASE_ACCESS_QUERY = "query CaseAccess($ids: [ID!]!) { caseAccess(ids: $ids) { id organizationId inquiryType threatCategory status } }";

/**
 * Asks the cases subgraph about cases, as the caller (so the cases subgraph's visibility rules
 * decide): one HTTP call per request's batch; `null` for cases the caller may not see.
 */
export function createCaseAccessLoader(casesUrl: string, secret: string, principal: Principal, timeoutMs = 5_000): DataLoader<string, CaseAccess | null> {
  return new DataLoader(async (ids) => {
    const response = await fetch(casesUrl, {
      method: "POST",
      headers: { "content-type": "application/json", [IDENTITY_HEADER]: await signIdentity(principal, "cases", secret) },
      body: JSON.stringify({ query: CASE_ACCESS_QUERY, variables: { ids } }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const result = (await response.json()) as { data?: { caseAccess: (CaseAccess | null)[] }; errors?: { message: string }[] };
    if (!response.ok || !result.data) {
      throw new Error(`cases subgraph answered ${response.status}: ${result.errors?.map((e) => e.message).join("; ")}`);
    }
    return result.data.caseAccess;
  });
}
