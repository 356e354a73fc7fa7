import { signDevToken } from "../gateway/auth/bearer-token.js";
import { demoUser } from "../gateway/auth/demo-users.js";

type Call = (email: string, query: string, variables?: Record<string, unknown>) => Promise<any>;

interface DemoCase {
  as: string;
  input: Record<string, unknown>;
  /** What happens next, in order: engineer sub-status moves, updates by either side, closing. */
  steps?: ({ subStatus: string; comment?: string } | { update: string; by: string; reopen?: boolean } | { close: string })[];
}

const ACME = "customer@acme.example";
const GLOBEX = "customer@globex.example";
const ENGINEER = "engineer@support.example";

function product(title: string, severity: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { title, description: `${title}. Details and logs follow in the updates.`, inquiryType: "PRODUCT", problemCategory: "Product behaviour", severity, contactName: "Aiko Tanaka", productProfileId: "acme-endpoint", ...extra };
}

/** The demo story: both organizations, product and threat cases, every sub-status an API user can reach. */
export const DEMO_CASES: DemoCase[] = [
  { as: ACME, input: product("Agents stop reporting after upgrade to 14.0", "MEDIUM", { ccEmails: ["it-ops@acme.example", "manager@acme.example"] }),
    steps: [{ subStatus: "IN_PROGRESS" }, { update: "Please send the agent diagnostic logs from one affected PC.", by: ENGINEER }, { update: "Logs attached to the next update; 30 PCs affected.", by: ACME }] },
  { as: ACME, input: product("Management console unreachable", "CRITICAL", { businessImpact: "No administrator can push policies to 2,000 endpoints.", productProfileId: "acme-mail" }),
    steps: [{ subStatus: "ESCALATED", comment: "Escalated to the console team." }] },
  { as: ACME, input: product("Scheduled scan ignores exclusion list", "LOW"), steps: [{ subStatus: "INFORMATION_REQUESTED", comment: "Which folders are excluded?" }] },
  { as: ACME, input: product("License renewal shows wrong seat count", "LOW"), steps: [{ subStatus: "SOLUTION_PROVIDED", comment: "The seat count refreshes after the next sync." }] },
  { as: ACME, input: product("Question about update server proxy settings", "LOW"), steps: [{ subStatus: "SOLUTION_PROVIDED" }, { close: ACME }] },
  { as: ACME, input: product("Real-time scan slows builds", "HIGH", { businessImpact: "Nightly builds take 3 hours instead of 1." }),
    steps: [{ subStatus: "IN_PROGRESS" }, { subStatus: "RESOLVED", comment: "Exclusions for the build folders fixed it." }] },
  { as: ACME, input: { ...product("Ransomware suspected on file server", "HIGH", { businessImpact: "File server isolated; 200 users without shared drives." }), inquiryType: "THREAT", threatCategory: "INFECTION_ANALYSIS", problemCategory: "Infected or suspected infected file analysis" },
    steps: [{ subStatus: "IN_PROGRESS", comment: "Analysing the submitted samples." }] },
  { as: ACME, input: { ...product("In-house tool detected as malware", "MEDIUM"), inquiryType: "THREAT", threatCategory: "FALSE_POSITIVE_ANALYSIS", problemCategory: "False-positive suspected file analysis" } },
  { as: GLOBEX, input: product("Server agent crashes nightly", "HIGH", { productProfileId: "globex-server", contactName: "Hank Scorpio", businessImpact: "Database servers unprotected at night." }),
    steps: [{ subStatus: "IN_PROGRESS" }] },
  { as: GLOBEX, input: { ...product("Phishing URL reported by staff", "MEDIUM", { productProfileId: "globex-server", contactName: "Hank Scorpio" }), inquiryType: "THREAT", threatCategory: "URL_ANALYSIS", problemCategory: "URL analysis" } },
  { as: GLOBEX, input: product("Request for a feature not in the product", "LOW", { productProfileId: "globex-server", contactName: "Hank Scorpio" }), steps: [{ subStatus: "OUT_OF_SCOPE" }] },
  { as: GLOBEX, input: product("Upgrade path from 19.x", "MEDIUM", { productProfileId: "globex-server", contactName: "Hank Scorpio" }),
    steps: [{ subStatus: "SOLUTION_PROVIDED" }, { subStatus: "CLOSE_AGREED" }, { update: "The upgrade failed on one server after all; reopening.", by: GLOBEX, reopen: true }] },
];

/** A GraphQL client for the demo users, signing their tokens with `jwtSecret`. */
export function demoClient(gatewayUrl: string, jwtSecret: string): Call {
  const tokens = new Map<string, Promise<string>>();
  return async (email, query, variables) => {
    if (!tokens.has(email)) tokens.set(email, signDevToken(demoUser(email)!, jwtSecret));
    const response = await fetch(gatewayUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await tokens.get(email)}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: any; errors?: { message: string }[] };
    if (body.errors?.length) throw new Error(`${body.errors.map((e) => e.message).join("; ")} (in ${query.slice(0, 60)}...)`);
    return body.data;
  };
}

/** Loads the demo story through the gateway, unless there are cases already. Returns the number of cases created. */
export async function loadDemoData(call: Call, log: (line: string) => void = console.log): Promise<number> {
  const existing = await call(ENGINEER, "{ cases(first: 1) { totalCount } }");
  if (existing.cases.totalCount > 0) return 0;
  for (const [index, demo] of DEMO_CASES.entries()) {
    const created = await call(demo.as, "mutation($input: CreateCaseInput!) { createCase(input: $input) { case { id caseNumber } } }", { input: demo.input });
    const { id, caseNumber } = created.createCase.case;
    for (const step of demo.steps ?? []) {
      if ("subStatus" in step) {
        await call(ENGINEER, "mutation($input: SetCaseSubStatusInput!) { setCaseSubStatus(input: $input) { case { id } } }", { input: { caseId: id, ...step } });
      } else if ("update" in step) {
        await call(step.by, "mutation($input: AddCaseUpdateInput!) { addCaseUpdate(input: $input) { update { id } } }", { input: { caseId: id, body: step.update, requestReopen: step.reopen ?? null } });
      } else {
        await call(step.close, "mutation($input: CloseCaseInput!) { closeCase(input: $input) { case { id } } }", { input: { caseId: id } });
      }
    }
    log(`  demo case ${index + 1}/${DEMO_CASES.length}: ${caseNumber} ${String(demo.input.title)}`);
  }
  return DEMO_CASES.length;
}
