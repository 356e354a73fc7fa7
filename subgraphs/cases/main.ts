import { runService } from "../kit/run-service.js";
import { autoCloseStaleCases } from "./case/case.autoclose.js";
import { createCasesSubgraph } from "./cases-subgraph.js";
import { casesConfig } from "./config.js";

runService("cases", async () => {
  const config = casesConfig();
  const subgraph = await createCasesSubgraph(config);
  const url = await subgraph.server.listen(config.port, config.host);
  const autoClose = setInterval(() => {
    autoCloseStaleCases(subgraph.dataSource, new Date(), config.autoCloseDays).catch((error: unknown) => console.error("auto-close failed:", error));
  }, config.autoCloseIntervalSeconds * 1000);
  autoClose.unref();
  return {
    url,
    stop: async () => {
      clearInterval(autoClose);
      await subgraph.stop();
    },
  };
});
