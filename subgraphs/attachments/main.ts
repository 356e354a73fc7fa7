import { runService } from "../kit/run-service.js";
import { createAttachmentsSubgraph } from "./attachments-subgraph.js";
import { attachmentsConfig } from "./config.js";

runService("attachments", async () => {
  const config = attachmentsConfig();
  const subgraph = await createAttachmentsSubgraph(config);
  return { url: await subgraph.server.listen(config.port, config.host), stop: () => subgraph.stop() };
});
