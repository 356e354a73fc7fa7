import { QueryFailedError } from "typeorm";
import { describe, expect, it } from "vitest";
import { isDatabaseUnavailable } from "./database-errors.js";

describe("isDatabaseUnavailable", () => {
  // Seen by the topology soak: the MariaDB primary restarted while a transaction was about to COMMIT; it answered 500.
  it("counts a statement on a connection the server closed (mysql2, no code) as the database unreachable", () => {
    const closed = new QueryFailedError("COMMIT", [], new Error("Can't add new command when connection is in closed state"));
    expect(isDatabaseUnavailable(closed)).toBe(true);
  });

  it("counts a refused connection, and not a constraint violation", () => {
    expect(isDatabaseUnavailable(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }))).toBe(true);
    expect(isDatabaseUnavailable(new QueryFailedError("INSERT", [], Object.assign(new Error("Duplicate entry"), { code: "ER_DUP_ENTRY" })))).toBe(false);
  });
});
