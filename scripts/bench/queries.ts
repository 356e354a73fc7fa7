/** `cases(first: 20)` with scalar fields only: the gateway-cost query. */
export const CASES_QUERY = "query Cases { cases(first: 20) { edges { node { id caseNumber title status subStatus severity updatedAt } } } }";

/** The dashboard: 20 cases with their latest updates, attachments and threat results (all three subgraphs). */
export function dashboardQuery(first: number): string {
  return `query Dashboard { cases(first: ${first}) { totalCount edges { node { id caseNumber title status subStatus severity updatedAt
    registrant { name } organization { name }
    updates(first: 3) { totalCount edges { node { body createdAt author { name role } } } }
    attachments(first: 5) { totalCount edges { node { fileName size uploadedAt } } }
    threatAnalysis { files { fileName verdict availableActions } urls { url rating } }
  } } } }`;
}
