import type { Request, Response } from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASES } from "../../test/support/databases.js";
import { openTestDataSource, type TestDataSource } from "../../test/support/data-source.js";
import { gatewayMigrations } from "../migrations/index.js";
import { IdempotencyRecord } from "./idempotency-record.entity.js";
import { idempotency } from "./idempotency.js";

const LEASE_MS = 30_000;
const MUTATION = "mutation($input: AddCaseUpdateInput!) { addCaseUpdate(input: $input) { update { id } } }";

/** What the middleware did with one request: passed it on to the GraphQL server, or answered it itself. */
interface Outcome {
  passedOn: boolean;
  status?: number;
  body?: { errors?: { message: string; extensions: { code: string; reason?: string } }[] };
}

/**
 * A gateway replica that dies mid-request (SIGKILL, lost host) never settles its key's record. The
 * retry of that key, on another replica, must not be refused as "being processed" for the record's
 * whole 24 h: the record says so for a lease only (found by the topology soak, test/faults/topology-soak.test.ts).
 */
describe.each(DATABASES)("Idempotency-Key of a request that never finished, on %s", (database) => {
  let db: TestDataSource;
  let now = new Date("2026-12-01T10:00:00Z");
  const clock = () => now;

  beforeAll(async () => {
    db = await openTestDataSource(database, { entities: [IdempotencyRecord], migrations: gatewayMigrations });
  });
  afterAll(() => db?.close());

  /** Sends a keyed mutation through the middleware; the GraphQL server behind it never answers (the replica died). */
  async function send(key: string): Promise<Outcome> {
    const handler = idempotency(db.dataSource, clock, { pendingLeaseMs: LEASE_MS });
    const req = { method: "POST", body: { query: MUTATION, variables: { input: { caseId: "c-1", body: "Logs." } } }, header: (name: string) => (name === "idempotency-key" ? key : undefined) } as unknown as Request;
    return new Promise<Outcome>((resolve) => {
      const outcome: Outcome = { passedOn: false };
      const res = {
        locals: { principal: { kind: "user", id: "u-acme-customer" }, queryScan: { tokens: 10, operations: [{ operation: "mutation" }] } },
        statusCode: 200,
        status(code: number) {
          outcome.status = code;
          return this;
        },
        json(body: Outcome["body"]) {
          outcome.body = body;
          resolve(outcome);
          return this;
        },
        write: () => true,
        end: () => undefined,
        setHeader() {
          return this;
        },
      } as unknown as Response;
      void handler(req, res, () => resolve({ ...outcome, passedOn: true }));
    });
  }

  it("refuses a retry while the first attempt may still run, and runs it once the lease has passed", async () => {
    expect(await send("died-mid-request")).toMatchObject({ passedOn: true });
    // The replica that took it died: its record stays "being processed".
    now = new Date(now.getTime() + LEASE_MS - 1_000);
    const early = await send("died-mid-request");
    expect(early).toMatchObject({ passedOn: false, status: 409 });
    expect(early.body?.errors?.[0]?.message).toMatch(/being processed/);
    // Told apart from "another request" (final) by its reason: a client retries this one.
    expect(early.body?.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", reason: "IDEMPOTENCY_KEY_IN_FLIGHT" });
    now = new Date(now.getTime() + 2_000);
    // Past the lease, the retry is the request: it goes on to the GraphQL server, and holds the key itself.
    expect(await send("died-mid-request")).toMatchObject({ passedOn: true });
    const [record] = await db.dataSource.getRepository(IdempotencyRecord).findBy({ key: "died-mid-request" });
    expect(record!.expiresAt.getTime()).toBe(now.getTime() + LEASE_MS);
  });
});
