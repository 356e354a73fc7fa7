// First: tracing hooks the modules everything below loads.
import "./observability/tracing.js";
import { runService } from "../subgraphs/kit/run-service.js";
import { gatewayConfig } from "./config.js";
import { createGateway } from "./gateway.js";

runService("gateway", async () => {
  const config = gatewayConfig();
  const gateway = await createGateway(config);
  const url = await gateway.listen(config.port, config.host);
  console.log(`gateway metrics on ${await gateway.listenMetrics(config.metricsPort, config.metricsHost)}`);
  return { url, stop: () => gateway.stop() };
});
