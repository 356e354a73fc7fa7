/**
 * The portal's dashboard in one request: 20 cases with their latest 3 updates, first 5 attachments and
 * threat results. It must stay under the gateway's default query cost limit (1,000 points).
 */
export const DASHBOARD_QUERY = `query Dashboard($first: Int = 20) {
  cases(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        id caseNumber title status subStatus severity inquiryType threatCategory updatedAt
        organization { id name }
        updates(first: 3) { totalCount edges { node { id body createdAt author { name role } } } }
        attachments(first: 5) { totalCount edges { node { id fileName size contentType uploadedAt } } }
        threatAnalysis {
          files { id fileName verdict detectionName availableActions }
          urls { id url rating }
        }
      }
    }
  }
}`;
