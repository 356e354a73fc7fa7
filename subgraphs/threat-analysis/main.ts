// First: tracing hooks the modules everything below loads.
import "./tracing.js";
import { pruneIdempotencyReceipts } from "../kit/idempotency.js";
import { runService } from "../kit/run-service.js";
import { threatsConfig } from "./config.js";
import { createThreatsSubgraph } from "./threats-subgraph.js";

runService("threat-analysis", async () => {
  const config = threatsConfig();
  const subgraph = await createThreatsSubgraph(config);
  // Idempotency-Key receipts past 24 h go, once an hour.
  const prune = setInterval(() => {
    pruneIdempotencyReceipts(subgraph.dataSource, new Date()).catch((error: unknown) => console.error("Idempotency-Key receipt retention failed:", error));
  }, 3_600_000);
  prune.unref();
  return {
    url: await subgraph.server.listen(config.port, config.host),
    stop: async () => {
      clearInterval(prune);
      await subgraph.stop();
    },
  };
});
