import { randomUUID } from "node:crypto";
import { IDEMPOTENCY_KEY_IN_FLIGHT } from "../../subgraphs/kit/idempotency-protocol.js";
import type { GraphQLResponse } from "./graph.js";
import { type ClientFile, postMultipart } from "./uploads.js";

/** Codes a client retries: the contract's two (and the two CONFLICT reasons README says to retry, told apart by `extensions.reason`). */
export const RETRYABLE_CODES = ["SERVICE_UNAVAILABLE", "RATE_LIMITED"] as const;

/** One failed attempt, as the client saw it. */
export interface FailedAttempt {
  /** `extensions.code`, `HTTP_<status>` without one, or `NETWORK` when no answer came at all. */
  code: string;
  status: number;
  phase: string;
  /** Whether a fault was under way (or had just ended) while the attempt ran. */
  inFaultWindow: boolean;
  /** The labels of those faults. */
  faults: string[];
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

  constructor(
    private readonly graceMs: number,
    /** How long the gateway keeps the key of a request that never finished "being processed" (its pending lease). */
    readonly inFlightLeaseMs = 30_000,
    /** How long a file stays held by a request whose process died (RESERVATION_PENDING_TIMEOUT_SECONDS and a relay pass). */
    readonly reservationHoldMs = 0,
  ) {}

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

  /**
   * Whether an attempt that ran from `start` to `end` overlapped a fault (an attempt already under way
   * when a replica was killed fails with it). `afterStartMs`: the fault's errors may last this long from
   * its start however soon it ended (a key whose gateway was killed stays in flight for the gateway's
   * pending lease, counted from the kill).
   */
  inFaultWindow(start: number, end = start, afterStartMs = 0): boolean {
    return this.faultsDuring(start, end, afterStartMs).length > 0;
  }

  /** The labels of the faults an attempt from `start` to `end` overlapped (see `inFaultWindow`). */
  faultsDuring(start: number, end = start, afterStartMs = 0): string[] {
    return this.windows.filter((window) => end >= window.start && start <= Math.max((window.end ?? Infinity) + this.graceMs, window.start + afterStartMs + this.graceMs)).map((window) => window.label);
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
 * SERVICE_UNAVAILABLE, RATE_LIMITED (after Retry-After), a lost connection, "the same key is still being
 * processed" (IDEMPOTENCY_KEY_IN_FLIGHT) and "a file another request holds" (ATTACHMENT_RESERVED) are
 * retried with backoff until `giveUpMs`; anything else is the operation's answer.
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
        // The CONFLICTs README says to retry: "this key's first request still runs" (told from "another request" by its reason),
        // and "a file another request holds" (a request whose process died holds it until the relay gives it back).
        const reason = code === "CONFLICT" ? response.errors?.[0]?.extensions?.reason : undefined;
        const label = reason === IDEMPOTENCY_KEY_IN_FLIGHT ? "CONFLICT (key in flight)" : reason === "ATTACHMENT_RESERVED" ? "CONFLICT (file reserved)" : code;
        // A retryable error the gateway answered from the key's record is no retry at all: every later one would get it too.
        const replayed = response.headers.get("idempotent-replayed") === "true" ? " replayed from the key's record" : "";
        // Any error counts, final or not: the run must show none outside fault windows, and none but the retryable ones.
        if (code) failure = { code: `${label!}${replayed}`, status: response.status, message: response.errors?.[0]?.message ?? "" };
      } catch (error) {
        failure = { code: "NETWORK", status: 0, message: String((error as Error).cause ?? error) };
      }
      if (!failure) return response;
      const lasting = failure.code === "CONFLICT (key in flight)" ? this.ledger.inFlightLeaseMs : failure.code === "CONFLICT (file reserved)" ? this.ledger.reservationHoldMs : 0;
      const faults = this.ledger.faultsDuring(at, Date.now(), lasting);
      this.ledger.failures.push({ ...failure, phase, inFaultWindow: faults.length > 0, faults, operation, attempt, marker: options.marker });
      if (!["NETWORK", "CONFLICT (key in flight)", "CONFLICT (file reserved)", ...RETRYABLE_CODES].includes(failure.code) || Date.now() - started > this.giveUpMs) {
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
        const faults = this.ledger.faultsDuring(at, Date.now());
        failure = { code, status: response.status, phase, inFaultWindow: faults.length > 0, faults, operation: "download", message: body.toString().slice(0, 200), attempt };
      } catch (error) {
        const faults = this.ledger.faultsDuring(at, Date.now());
        failure = { code: "NETWORK", status: 0, phase, inFaultWindow: faults.length > 0, faults, operation: "download", message: String(error), attempt };
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
