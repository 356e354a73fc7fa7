import { readFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { dashboardQuery } from "./queries.js";
import { caseId, isClosed, ORGANIZATIONS } from "./workload.js";

/**
 * The mixed workload's load generator, run as its own process (`node mixed-load.js <plan.json>`):
 * a closed loop over a fixed number of connections, or, with `rate`, an open loop; each request from a
 * randomly chosen principal, of a kind drawn from the mix. Prints one JSON line: throughput,
 * percentiles, errors, per kind.
 */
export interface LoadPlan {
  url: string;
  seconds: number;
  /** Closed loop: this many requests in flight at all times. Open loop: at most this many connections. */
  connections: number;
  /**
   * Open loop: requests start at this many per second, evenly spaced, whether or not earlier ones have
   * been answered; each latency counts from the moment its request was due, so a generator or a server
   * that falls behind shows in the figures instead of slowing the load down.
   */
  rate?: number;
  /** Cases in the databases (case `i` belongs to organization `i % ORGANIZATIONS`). */
  cases: number;
  principals: { authorization: string; organizations: number[] | null }[];
  /** Share of each kind, summing to 1. */
  mix: Partial<Record<Kind, number>>;
}

export type Kind = "dashboard" | "detail" | "list" | "mutation";

export interface MixedResult {
  requests: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  firstErrors: string[];
  byKind: Record<string, { requests: number; p50: number; p99: number; errors: number }>;
}

const DETAIL_QUERY = `query CaseDetail($id: ID!) { case(id: $id) { id caseNumber title description status subStatus severity inquiryType threatCategory problemCategory
  contactName ccEmails businessImpact createdAt updatedAt closedAt version dueAt overdue editableFields
  registrant { name role } organization { name } productProfile { name product version }
  updates(first: 50) { totalCount edges { node { id body createdAt author { name role } attachments { fileName size } } } }
  history(first: 50) { edges { node { field oldValue newValue comment at actor { name role } } } }
  attachments(first: 20) { totalCount edges { node { id fileName size contentType uploadedAt } } }
  threatAnalysis { files { fileName verdict detectionName availableActions } urls { url rating } emails { name verdict } } } }`;

const LIST_QUERY = `query CaseList($filter: CaseFilter, $orderBy: CaseOrder) { cases(first: 20, filter: $filter, orderBy: $orderBy) { totalCount
  edges { node { id caseNumber title status subStatus severity updatedAt dueAt overdue organization { name } } } pageInfo { hasNextPage endCursor } } }`;

const ADD_UPDATE = "mutation AddUpdate($input: AddCaseUpdateInput!) { addCaseUpdate(input: $input) { update { id createdAt } case { id updatedAt } } }";
const UPDATE_CASE = "mutation UpdateCase($input: UpdateCaseInput!) { updateCase(input: $input) { case { id version businessImpact } } }";

const LIST_FILTERS = [
  { filter: { status: "OPEN", severity: ["HIGH", "CRITICAL"] } },
  { filter: { subStatus: ["INFORMATION_REQUESTED", "CUSTOMER_UPDATED"] } },
  { filter: { inquiryType: "THREAT" } },
  { filter: { status: "OPEN" }, orderBy: { field: "SEVERITY", direction: "DESC" } },
  { filter: { status: "CLOSED" }, orderBy: { field: "CREATED_AT", direction: "DESC" } },
];

const random = (n: number) => Math.floor(Math.random() * n);

function pickCase(plan: LoadPlan, organizations: number[] | null, open: boolean): string {
  for (let attempt = 0; ; attempt++) {
    const org = organizations ? organizations[random(organizations.length)]! : random(ORGANIZATIONS);
    const i = org + ORGANIZATIONS * random(Math.max(1, Math.floor(plan.cases / ORGANIZATIONS)));
    if (!open || !isClosed(i) || attempt > 100) return caseId(i);
  }
}

/** One request of `kind` for a principal, as the body to send. */
export function requestBody(plan: LoadPlan, kind: Kind, organizations: number[] | null): string {
  switch (kind) {
    case "dashboard":
      return DASHBOARD;
    case "detail":
      return JSON.stringify({ query: DETAIL_QUERY, variables: { id: pickCase(plan, organizations, false) } });
    case "list": {
      const variables: { filter: Record<string, unknown>; orderBy?: unknown } = structuredClone(LIST_FILTERS[random(LIST_FILTERS.length)]!);
      // Partners and engineers narrow to one organization half of the time.
      if ((!organizations || organizations.length > 1) && Math.random() < 0.5) {
        const org = organizations ? organizations[random(organizations.length)]! : random(ORGANIZATIONS);
        variables.filter.organizationId = `bench-org-${String(org).padStart(2, "0")}`;
      }
      return JSON.stringify({ query: LIST_QUERY, variables });
    }
    case "mutation": {
      const id = pickCase(plan, organizations, true);
      return Math.random() < 0.5
        ? JSON.stringify({ query: ADD_UPDATE, variables: { input: { caseId: id, body: `Bench update ${Date.now()}` } } })
        : JSON.stringify({ query: UPDATE_CASE, variables: { input: { caseId: id, businessImpact: `Impact measured at ${Date.now()}` } } });
    }
  }
}
const DASHBOARD = JSON.stringify({ query: dashboardQuery(20) });

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;
}

export async function runPlan(plan: LoadPlan): Promise<MixedResult> {
  const url = new URL(plan.url);
  const agent = new Agent({ keepAlive: true, maxSockets: plan.connections });
  const post = (headers: Record<string, string>, body: string) =>
    new Promise<{ statusCode: number; text: string }>((resolve, reject) => {
      const req = request(url, { method: "POST", agent, headers: { ...headers, "content-length": Buffer.byteLength(body) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ statusCode: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.setTimeout(30_000, () => req.destroy(new Error("no answer in 30 s")));
      req.end(body);
    });
  const kinds = Object.entries(plan.mix) as [Kind, number][];
  const drawKind = (): Kind => {
    let r = Math.random();
    for (const [kind, share] of kinds) if ((r -= share) < 0) return kind;
    return kinds[kinds.length - 1]![0];
  };
  const latencies: Record<string, number[]> = {};
  const errors: Record<string, number> = {};
  const firstErrors: string[] = [];
  const fail = (kind: Kind, what: string) => {
    errors[kind] = (errors[kind] ?? 0) + 1;
    if (firstErrors.length < 5) firstErrors.push(`${kind}: ${what.slice(0, 300)}`);
  };
  const until = Date.now() + plan.seconds * 1000;
  const started = process.hrtime.bigint();
  /** One request of a random kind from a random principal; its latency counts from `due`. */
  const one = async (due: bigint) => {
    const principal = plan.principals[random(plan.principals.length)]!;
    const kind = drawKind();
    const body = requestBody(plan, kind, principal.organizations);
    try {
      const response = await post({ "content-type": "application/json", authorization: principal.authorization }, body);
      const text = response.text;
      (latencies[kind] ??= []).push(Number(process.hrtime.bigint() - due) / 1e6);
      if (response.statusCode !== 200) fail(kind, `${response.statusCode} ${text}`);
      else if (text.includes('"errors"')) fail(kind, text);
    } catch (error) {
      fail(kind, String(error));
    }
  };
  if (plan.rate) {
    const interval = BigInt(Math.round(1e9 / plan.rate));
    const inFlight: Promise<void>[] = [];
    for (let due = started; Date.now() < until; due += interval) {
      const wait = Number(due - process.hrtime.bigint()) / 1e6;
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      inFlight.push(one(due));
    }
    await Promise.all(inFlight);
  } else {
    const worker = async () => {
      while (Date.now() < until) await one(process.hrtime.bigint());
    };
    await Promise.all(Array.from({ length: plan.connections }, worker));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  const all = Object.values(latencies)
    .flat()
    .sort((a, b) => a - b);
  const byKind: MixedResult["byKind"] = {};
  for (const [kind, values] of Object.entries(latencies)) {
    values.sort((a, b) => a - b);
    byKind[kind] = { requests: values.length, p50: percentile(values, 50), p99: percentile(values, 99), errors: errors[kind] ?? 0 };
  }
  return {
    requests: all.length,
    requestsPerSecond: all.length / seconds,
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    errors: Object.values(errors).reduce((a, b) => a + b, 0),
    firstErrors,
    byKind,
  };
}

if (require.main === module) {
  const plan = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as LoadPlan;
  runPlan(plan).then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
