/**
 * A partner integration in one file: lists every support case the partner may see, page by page,
 * and prints one line per case. Against `npm start` (which prints initech's demo key once):
 *
 *   npm run build
 *   CASEGRAPH_API_KEY=csk_... node dist/examples/partner-integration.js
 *
 * GATEWAY_URL defaults to http://localhost:4000/graphql; PAGE_SIZE (1-100) to 50.
 * A bearer token works instead of a key: CASEGRAPH_TOKEN=$(npm run -s token -- --user staff@initech.example).
 * It needs nothing but Node 20 (global fetch).
 */

interface CaseSummary {
  caseNumber: string;
  title: string;
  status: string;
  subStatus: string;
  severity: string;
  organization: { name: string };
}

interface CasesPage {
  cases: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: { node: CaseSummary }[];
  };
}

interface GraphQLError {
  message: string;
  extensions?: { code?: string };
}

// Oldest first: keyset pagination on createdAt does not skip or repeat a case updated meanwhile.
const CASES_PAGE = `
  query CasesPage($first: Int!, $after: String) {
    cases(first: $first, after: $after, orderBy: { field: CREATED_AT, direction: ASC }) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { caseNumber title status subStatus severity organization { name } } }
    }
  }`;

/** The one credential a request carries: the partner key, or else a bearer token. */
function credentialHeaders(env: NodeJS.ProcessEnv): Record<string, string> {
  if (env.CASEGRAPH_API_KEY) return { "x-api-key": env.CASEGRAPH_API_KEY };
  if (env.CASEGRAPH_TOKEN) return { authorization: `Bearer ${env.CASEGRAPH_TOKEN}` };
  throw new Error("set CASEGRAPH_API_KEY (a partner key) or CASEGRAPH_TOKEN (a bearer token)");
}

/** POSTs one operation; GraphQL errors become an exception carrying their stable `extensions.code`. */
async function graphql<T>(url: string, headers: Record<string, string>, query: string, variables: Record<string, unknown>): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: GraphQLError[] };
  if (body.errors?.length || !body.data) {
    const reasons = (body.errors ?? []).map((error) => `${error.extensions?.code ?? "ERROR"}: ${error.message}`);
    throw new Error(`HTTP ${response.status}: ${reasons.join("; ") || "no data"}`);
  }
  return body.data;
}

/** Every visible case, fetching the next page only when the previous one is used up. */
export async function* allCases(url: string, headers: Record<string, string>, pageSize: number): AsyncGenerator<CaseSummary> {
  let after: string | null = null;
  for (;;) {
    const page: CasesPage = await graphql<CasesPage>(url, headers, CASES_PAGE, { first: pageSize, after });
    for (const edge of page.cases.edges) yield edge.node;
    if (!page.cases.pageInfo.hasNextPage) return;
    after = page.cases.pageInfo.endCursor;
  }
}

async function main(): Promise<void> {
  const url = process.env.GATEWAY_URL || "http://localhost:4000/graphql";
  const pageSize = Number(process.env.PAGE_SIZE || 50);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) throw new Error("PAGE_SIZE must be an integer from 1 to 100");
  const headers = credentialHeaders(process.env);

  let count = 0;
  for await (const c of allCases(url, headers, pageSize)) {
    console.log(`${c.caseNumber}  ${`${c.status}/${c.subStatus}`.padEnd(28)} ${c.severity.padEnd(8)} ${c.organization.name}: ${c.title}`);
    count++;
  }
  console.log(`${count} case${count === 1 ? "" : "s"}`);
}

main().catch((error: unknown) => {
  console.error(`partner-integration: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
