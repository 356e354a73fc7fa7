import { runService } from "../subgraphs/kit/run-service.js";
import { gatewayConfig } from "./config.js";
import { createGateway } from "./gateway.js";

runService("gateway", async () => {
  const config = gatewayConfig();
  const gateway = await createGateway(config);
  return { url: await gateway.listen(config.port, config.host), stop: () => gateway.stop() };
});
