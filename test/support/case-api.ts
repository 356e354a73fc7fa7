import { CREATE_CASE, productCase, threatCase } from "./fixtures.js";
import type { GraphQLResponse, TestGraph } from "./graph.js";

export const CASE_FIELDS = "id caseNumber status subStatus severity businessImpact ccEmails version closedAt editableFields";

/** The case mutations as a client sends them, returning the raw response (data and errors). */
export function caseApi(graph: TestGraph) {
  const run = (query: string, input: Record<string, unknown>, token: string): Promise<GraphQLResponse> => graph.request({ query, variables: { input }, token });
  return {
    /** `productCase` (or `threatCase` when the input says THREAT) with `input` over it. */
    create: (token: string, input: Record<string, unknown> = {}) => run(CREATE_CASE, { ...(input.inquiryType === "THREAT" ? threatCase : productCase), ...input }, token),
    update: (token: string, input: Record<string, unknown>) => run(`mutation($input: UpdateCaseInput!) { updateCase(input: $input) { case { ${CASE_FIELDS} } } }`, input, token),
    close: (token: string, input: Record<string, unknown>) => run(`mutation($input: CloseCaseInput!) { closeCase(input: $input) { case { ${CASE_FIELDS} } } }`, input, token),
    addUpdate: (token: string, input: Record<string, unknown>) =>
      run(`mutation($input: AddCaseUpdateInput!) { addCaseUpdate(input: $input) { case { ${CASE_FIELDS} } update { id body requestedReopen author { id name role } } } }`, input, token),
    setSubStatus: (token: string, input: Record<string, unknown>) => run(`mutation($input: SetCaseSubStatusInput!) { setCaseSubStatus(input: $input) { case { ${CASE_FIELDS} } } }`, input, token),
    get: async (token: string, id: string) =>
      (await graph.request({ query: `query($id: ID!) { case(id: $id) { ${CASE_FIELDS} history(first: 50) { edges { node { field oldValue newValue actor { id name role } } } } } }`, variables: { id }, token })).data
        ?.case,
  };
}

/** The first error's code, or undefined. */
export function codeOf(response: GraphQLResponse): string | undefined {
  return response.errors?.[0]?.extensions?.code;
}
