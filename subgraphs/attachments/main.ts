// First: tracing hooks the modules everything below loads.
import "./tracing.js";
import { pruneIdempotencyReceipts } from "../kit/idempotency.js";
import { runService } from "../kit/run-service.js";
import { scheduleStagedExpiry } from "./attachment/staged-expiry.js";
import { createAttachmentsSubgraph } from "./attachments-subgraph.js";
import { scheduleTempSweep, sweepTemporaryBlobs } from "./blob-store/temp-sweep.js";
import { attachmentsConfig } from "./config.js";

runService("attachments", async () => {
  const config = attachmentsConfig();
  const subgraph = await createAttachmentsSubgraph(config);
  const stopExpiry = scheduleStagedExpiry(subgraph.services, config.stagedExpiryIntervalSeconds, subgraph.logger);
  const sweep = { blobs: subgraph.services.blobs, maxAgeSeconds: config.tempBlobMaxAgeSeconds, clock: subgraph.services.clock, logger: subgraph.logger };
  // Before the first request: what a killed predecessor left behind is gone by the time the service listens.
  await sweepTemporaryBlobs(sweep).catch((error: unknown) => subgraph.logger.error({ err: error }, "sweeping temporary blobs failed"));
  const stopSweep = scheduleTempSweep(sweep, config.tempSweepIntervalSeconds);
  // Idempotency-Key receipts of uploads past 24 h go, once an hour.
  const prune = setInterval(() => {
    pruneIdempotencyReceipts(subgraph.dataSource, new Date()).catch((error: unknown) => subgraph.logger.error({ err: error }, "Idempotency-Key receipt retention failed"));
  }, 3_600_000);
  prune.unref();
  return {
    url: await subgraph.server.listen(config.port, config.host),
    stop: () => {
      clearInterval(prune);
      stopExpiry();
      stopSweep();
      return subgraph.stop();
    },
  };
});
