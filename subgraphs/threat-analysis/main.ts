// First: tracing hooks the modules everything below loads.
import "./tracing.js";
import { runService } from "../kit/run-service.js";
import { threatsConfig } from "./config.js";
import { createThreatsSubgraph } from "./threats-subgraph.js";

runService("threat-analysis", async () => {
  const config = threatsConfig();
  const subgraph = await createThreatsSubgraph(config);
  return { url: await subgraph.server.listen(config.port, config.host), stop: () => subgraph.stop() };
});
