import { afterAll, beforeAll, describe } from "vitest";
import { DATABASES } from "../support/databases.js";
import { type HostileSuite, startHostileSuite } from "../support/hostile.js";
import { archiveAttacks } from "./archive-attacks.js";
import { headerAttacks } from "./header-attacks.js";
import { jsonAttacks } from "./json-attacks.js";
import { multipartAttacks } from "./multipart-attacks.js";

/**
 * Hostile input through the gateway, the graph running as four processes (one per service) so
 * that memory and CPU time are measured per service. Every attack runs next to a well-behaved client and
 * must leave: a stable error code, nothing stored, every service ready, the client answered, and every
 * process within 64 MB of its baseline RSS. One graph per database serves all attacks (they take seconds;
 * starting a graph takes longer). Figures: test-results/hostile-suite.md.
 */
describe.each(DATABASES)("hostile input on %s", (database) => {
  let suite: HostileSuite | undefined;
  beforeAll(async () => {
    // A one-second rate window lets the slowloris attack end in seconds (production: 30 s).
    suite = await startHostileSuite(database, { UPLOAD_RATE_WINDOW_SECONDS: "1", UPLOAD_MIN_BYTES_PER_SECOND: "1024" });
  }, 120_000);
  afterAll(async () => {
    suite?.report();
    await suite?.stop();
  });
  const current = () => suite!;

  jsonAttacks(current);
  headerAttacks(current);
  multipartAttacks(current);
  archiveAttacks(current);
});
