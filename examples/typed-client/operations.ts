import { graphql } from "./gql/index.js";

/**
 * The operations the typed client runs. `npm run codegen:example` reads this file and generates their
 * types and hashes into `gql/`; a release of the client publishes `gql/persisted-documents.json` with
 * `npm run operations -- publish`, and from then on the client sends only the hashes.
 */
export const OpenCases = graphql(`
  query OpenCases($first: Int!, $after: String) {
    cases(first: $first, after: $after, filter: { status: OPEN }, orderBy: { field: UPDATED_AT, direction: DESC }) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          caseNumber
          title
          subStatus
          severity
          updatedAt
        }
      }
    }
  }
`);

export const AttachFile = graphql(`
  mutation AttachFile($input: AddCaseUpdateInput!) {
    addCaseUpdate(input: $input) {
      case {
        id
        caseNumber
        subStatus
      }
      update {
        id
        attachments {
          id
          fileName
          size
          sha256
          state
        }
      }
    }
  }
`);
