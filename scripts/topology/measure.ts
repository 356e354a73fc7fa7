import { readFileSync } from "node:fs";
import { signDevToken } from "../../gateway/auth/bearer-token.js";
import type { Supervisor } from "./processes.js";

/** CPU seconds (user + system) a process has used so far (Linux: /proc/<pid>/stat, clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

export interface Measurement {
  seconds: number;
  requests: number;
  errors: number;
  perSecond: number;
  /** CPU seconds each process used per second of load (1.0 = one core busy), busiest first. */
  cpu: { name: string; coresBusy: number }[];
}

const LIST = `query { cases(first: 10) { totalCount edges { node { id caseNumber subStatus updatedAt } } } }`;
const CASE = `query($id: ID!) { case(id: $id) { id title version updates(first: 5) { edges { node { id body } } } } }`;
const CREATE = `mutation($input: CreateCaseInput!) { createCase(input: $input) { case { id } } }`;
const ADD_UPDATE = `mutation($input: AddCaseUpdateInput!) { addCaseUpdate(input: $input) { update { id } } }`;

/**
 * Throughput of the topology: `concurrency` clients (customers of the demo organizations, each with a
 * case of their own) send a mix of 70% case lists, 20% case reads and 10% updates through HAProxy for
 * `seconds`, and every process's CPU time is read before and after. The busiest process is what
 * saturates first when load grows.
 */
export async function measureThroughput(options: { gatewayUrl: string; jwtSecret: string; supervisor: Supervisor; names: string[]; seconds: number; concurrency: number }): Promise<Measurement> {
  const tokens = await Promise.all(
    Array.from({ length: options.concurrency }, (_, index) => {
      const org = index % 2 === 0 ? "acme" : "globex";
      return signDevToken({ sub: `u-measure-${index}`, name: `Load ${index}`, email: `load-${index}@${org}.example`, role: "customer", org }, options.jwtSecret);
    }),
  );
  const post = async (token: string, query: string, variables?: Record<string, unknown>) => {
    const response = await fetch(options.gatewayUrl, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
    const body = (await response.json()) as { data?: { createCase?: { case?: { id: string } } }; errors?: unknown[] };
    return { ok: response.ok && !body.errors?.length, data: body.data };
  };
  const caseIds = await Promise.all(
    tokens.map(async (token, index) => {
      const org = index % 2 === 0 ? "acme" : "globex";
      const input = {
        title: "Load",
        description: "Throughput measurement.",
        inquiryType: "PRODUCT",
        problemCategory: "MALFUNCTION",
        productProfileId: org === "acme" ? "acme-endpoint" : "globex-server",
        severity: "LOW",
        contactName: "Load",
      };
      return (await post(token, CREATE, { input })).data?.createCase?.case?.id ?? "";
    }),
  );
  const pids = options.names.map((name) => ({ name, pid: options.supervisor.pid(name) ?? 0 }));
  const before = pids.map(({ pid }) => cpuSeconds(pid));
  const started = Date.now();
  const until = started + options.seconds * 1000;
  let requests = 0;
  let errors = 0;
  await Promise.all(
    tokens.map(async (token, index) => {
      while (Date.now() < until) {
        const roll = Math.random();
        const outcome =
          roll < 0.7 ? await post(token, LIST) : roll < 0.9 ? await post(token, CASE, { id: caseIds[index] }) : await post(token, ADD_UPDATE, { input: { caseId: caseIds[index], body: "Measured update." } });
        requests++;
        if (!outcome.ok) errors++;
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  const cpu = pids.map(({ name, pid }, index) => ({ name, coresBusy: (cpuSeconds(pid) - before[index]!) / seconds })).sort((a, b) => b.coresBusy - a.coresBusy);
  return { seconds, requests, errors, perSecond: requests / seconds, cpu };
}
