import { runService } from "../kit/run-service.js";
import { scheduleStagedExpiry } from "./attachment/staged-expiry.js";
import { createAttachmentsSubgraph } from "./attachments-subgraph.js";
import { attachmentsConfig } from "./config.js";

runService("attachments", async () => {
  const config = attachmentsConfig();
  const subgraph = await createAttachmentsSubgraph(config);
  const stopExpiry = scheduleStagedExpiry(subgraph.services, config.stagedExpiryIntervalSeconds, subgraph.logger);
  return {
    url: await subgraph.server.listen(config.port, config.host),
    stop: () => {
      stopExpiry();
      return subgraph.stop();
    },
  };
});
