/** A saved example operation, opened as a tab of the explorer. */
export interface SavedOperation {
  query: string;
  /** JSON text of the variables editor. */
  variables: string;
}

/** The credentials template of every tab: values still in <angle brackets> are placeholders and are not sent. */
export const DEFAULT_HEADERS = `{
  "Authorization": "Bearer <a token from: npm run token -- --user customer@acme.example>",
  "X-API-Key": "<or a partner key (csk_...)>"
}`;

export const CREDENTIAL_HINT =
  "Put a credential in the Headers tab below the query: a bearer token (npm run token -- --user customer@acme.example) " + "or a partner key (X-API-Key), then run the operation again; the schema docs load with it.";

/** The operations a developer tries first, in the order of the tabs; `year` fills the example case number. */
export function savedOperations(year: number): SavedOperation[] {
  const exampleCaseNumber = `C-${year}-000001`;
  return [
    {
      query: `# The cases you can see, latest update first.
# 1. Put a token or partner key in Headers (below).
# 2. Run with the pink button or Ctrl-Enter.
# Next page: pass pageInfo.endCursor as "after".
# Partners: add filter: { organizationId: "acme" }.
query ListMyCases($first: Int, $after: String) {
  cases(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        id
        caseNumber
        title
        inquiryType
        status
        subStatus
        severity
        updatedAt
        organization { name }
      }
    }
  }
}
`,
      variables: `{ "first": 10 }`,
    },
    {
      query: `# One case from all three subgraphs:
# updates and history (cases), files (attachments),
# analysis results and the actions a customer may
# request (threat-analysis; null on PRODUCT cases).
query CaseWithEverything($caseNumber: String!) {
  caseByNumber(caseNumber: $caseNumber) {
    id
    caseNumber
    title
    inquiryType
    threatCategory
    status
    subStatus
    severity
    businessImpact
    version
    editableFields
    updates(first: 10) {
      totalCount
      edges { node { body requestedReopen createdAt author { name role } attachments { fileName size } } }
    }
    attachments(first: 10) {
      totalCount
      edges { node { fileName size sha256 uploadedAt state downloadUrl } }
    }
    threatAnalysis {
      files { fileName sha1 verdict detectionName patternVersion availableActions requests { action comment state } }
      urls { url rating category }
      emails { name verdict }
      attk { fileName collected availableActions requests { action state } }
    }
    history(first: 10) {
      edges { node { field oldValue newValue at actor { name role } } }
    }
  }
}
`,
      variables: `{ "caseNumber": "${exampleCaseNumber}" }`,
    },
    {
      query: `# A customer update moves an open case to
# CUSTOMER_UPDATED and notifies registrant and CC.
# On a CLOSED case, "requestReopen": true reopens it.
# Take the caseId from ListMyCases.
mutation AddCaseUpdate($input: AddCaseUpdateInput!) {
  addCaseUpdate(input: $input) {
    case { caseNumber status subStatus version }
    update { id body createdAt author { name role } }
  }
}
`,
      variables: `{
  "input": {
    "caseId": "<id from ListMyCases>",
    "body": "Here are the agent logs you asked for."
  }
}`,
    },
    {
      query: `# Customers and partners close a case as
# CLOSED_BY_CUSTOMER, engineers as RESOLVED.
# With "expectedVersion" it fails with CONFLICT
# when someone changed the case in the meantime.
mutation CloseCase($input: CloseCaseInput!) {
  closeCase(input: $input) {
    case { caseNumber status subStatus closedAt version }
  }
}
`,
      variables: `{
  "input": { "caseId": "<id from ListMyCases>" }
}`,
    },
  ];
}
