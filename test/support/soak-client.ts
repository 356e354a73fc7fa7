import { randomUUID } from "node:crypto";
import type { GraphQLResponse } from "./graph.js";
import { type ClientFile, postMultipart } from "./uploads.js";

/** Codes a client retries: the contract's two, and nothing else. */
export const RETRYABLE_CODES = ["SERVICE_UNAVAILABLE", "RATE_LIMITED"] as const;

/** One failed attempt, as the client saw it. */
export interface FailedAttempt {
  /** `extensions.code`, `HTTP_<status>` without one, or `NETWORK` when no answer came at all. */
  code: string;
  status: number;
  phase: string;
  /** Whether a fault was under way (or had just ended) when the attempt started. */
  inFaultWindow: boolean;
  operation: string;
  message: string;
  /** 1 for the first try of the operation. */
  attempt: number;
  /** The operation's marker in the database, when it has one. */
  marker?: string;
}

/** A fault as the schedule ran it: from its start until the service was back, plus the grace the clients get to notice. */
export interface FaultWindow {
  label: string;
  start: number;
  end?: number;
}

/**
 * What the load saw: every attempt, every acknowledged mutation (with the marker that finds it in the
 * database), every failure. The fault schedule sets `phase` and opens and closes fault windows.
 */
export class SoakLedger {
  phase = "steady";
  readonly windows: FaultWindow[] = [];
  attempts = 0;
  operations = 0;
  readonly failures: FailedAttempt[] = [];
  /** Mutations that got their answer, by kind: the markers to look for afterwards. */
  readonly acknowledged = new Map<string, string[]>();
  /** Operations that ended without an answer (gave up, or a final error). */
  readonly unfinished: { operation: string; code: string; attempt: number; marker?: string }[] = [];
  downloadsChecked = 0;
  downloadMismatches = 0;

  constructor(private readonly graceMs: number) {}

  openFault(label: string): FaultWindow {
    const window = { label, start: Date.now() };
    this.windows.push(window);
    this.phase = label;
    return window;
  }

  closeFault(window: FaultWindow): void {
    window.end = Date.now();
    this.phase = "steady";
  }

  inFaultWindow(at: number): boolean {
    return this.windows.some((window) => at >= window.start && at <= (window.end ?? Infinity) + this.graceMs);
  }

  acknowledge(kind: string, marker: string): void {
    this.acknowledged.set(kind, [...(this.acknowledged.get(kind) ?? []), marker]);
  }
}

export interface Caller {
  /** `Authorization: Bearer` or `X-API-Key`. */
  headers: Record<string, string>;
  name: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function codeOf(response: GraphQLResponse): string | undefined {
  return response.errors?.[0]?.extensions?.code;
}

async function postJson(url: string, body: unknown, headers: Record<string, string>): Promise<GraphQLResponse> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
  const text = await response.text();
  let parsed: { data?: any; errors?: GraphQLResponse["errors"] };
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { errors: [{ message: text.slice(0, 200) }] };
  }
  return { status: response.status, headers: response.headers, data: parsed.data ?? undefined, errors: parsed.errors };
}

/**
 * A client as a real one behaves: every mutation carries an `Idempotency-Key` kept across its retries;
 * SERVICE_UNAVAILABLE, RATE_LIMITED (after Retry-After), a lost connection and "the same key is still
 * being processed" are retried with backoff until `giveUpMs`; anything else is the operation's answer.
 */
export class SoakClient {
  constructor(
    private readonly ledger: SoakLedger,
    private readonly gatewayUrl: string,
    private readonly giveUpMs = 90_000,
  ) {}

  /** Runs one operation (a mutation when `mutation`), retrying what may be retried: the final answer (errors included), undefined when none came. */
  async run(
    caller: Caller,
    operation: string,
    body: { query: string; variables?: Record<string, unknown> },
    options: { mutation?: boolean; files?: ClientFile[]; marker?: string } = {},
  ): Promise<GraphQLResponse | undefined> {
    const key = options.mutation || options.files ? randomUUID() : undefined;
    const started = Date.now();
    this.ledger.operations++;
    for (let attempt = 1; ; attempt++) {
      const at = Date.now();
      const phase = this.ledger.phase;
      this.ledger.attempts++;
      let response: GraphQLResponse | undefined;
      let failure: { code: string; status: number; message: string } | undefined;
      try {
        const headers = { ...caller.headers, ...(key ? { "idempotency-key": key } : {}) };
        response = options.files
          ? await postMultipart(this.gatewayUrl, { input: body.variables!.input as Record<string, unknown>, files: options.files, query: body.query, headers: { "apollo-require-preflight": "true", ...headers } })
          : await postJson(this.gatewayUrl, body, headers);
        const code = codeOf(response) ?? (response.status >= 400 ? `HTTP_${response.status}` : undefined);
        const inFlight = code === "CONFLICT" && /being processed/.test(response.errors?.[0]?.message ?? "");
        // Any error counts, final or not: the run must show none outside fault windows, and none but the retryable ones.
        if (code) failure = { code: inFlight ? "CONFLICT (key in flight)" : code, status: response.status, message: response.errors?.[0]?.message ?? "" };
      } catch (error) {
        failure = { code: "NETWORK", status: 0, message: String((error as Error).cause ?? error) };
      }
      if (!failure) return response;
      this.ledger.failures.push({ ...failure, phase, inFaultWindow: this.ledger.inFaultWindow(at), operation, attempt, marker: options.marker });
      if (!["NETWORK", "CONFLICT (key in flight)", ...RETRYABLE_CODES].includes(failure.code) || Date.now() - started > this.giveUpMs) {
        this.ledger.unfinished.push({ operation, code: failure.code, attempt, marker: options.marker });
        return response;
      }
      const retryAfter = Number(response?.headers.get("retry-after") ?? 0);
      await sleep(retryAfter > 0 ? retryAfter * 1000 : Math.min(2_000, 100 * 2 ** Math.min(attempt, 5)));
    }
  }

  /** GETs a download link (retrying what may be retried) and returns its bytes. */
  async download(url: string): Promise<Buffer | undefined> {
    const started = Date.now();
    this.ledger.operations++;
    for (let attempt = 1; ; attempt++) {
      const at = Date.now();
      const phase = this.ledger.phase;
      this.ledger.attempts++;
      let failure: FailedAttempt | undefined;
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(60_000) });
        const body = Buffer.from(await response.arrayBuffer());
        if (response.ok) return body;
        let code = `HTTP_${response.status}`;
        try {
          code = JSON.parse(body.toString()).errors?.[0]?.extensions?.code ?? code;
        } catch {
          // not JSON: keep the status
        }
        failure = { code, status: response.status, phase, inFaultWindow: this.ledger.inFaultWindow(at), operation: "download", message: body.toString().slice(0, 200), attempt };
      } catch (error) {
        failure = { code: "NETWORK", status: 0, phase, inFaultWindow: this.ledger.inFaultWindow(at), operation: "download", message: String(error), attempt };
      }
      this.ledger.failures.push(failure);
      if (!["NETWORK", ...RETRYABLE_CODES].includes(failure.code) || Date.now() - started > this.giveUpMs) {
        this.ledger.unfinished.push({ operation: "download", code: failure.code, attempt });
        return undefined;
      }
      await sleep(Math.min(2_000, 100 * 2 ** Math.min(attempt, 5)));
    }
  }
}
