// First: tracing hooks the modules everything below loads.
import "./tracing.js";
import { createLogger } from "../kit/logger.js";
import { runService } from "../kit/run-service.js";
import { autoCloseStaleCases } from "./case/case.autoclose.js";
import { createCasesSubgraph } from "./cases-subgraph.js";
import { casesConfig } from "./config.js";
import { createMailTransport } from "./notification/mail-transport.js";
import { NotificationDispatcher } from "./notification/notification.dispatcher.js";

runService("cases", async () => {
  const config = casesConfig();
  const subgraph = await createCasesSubgraph(config);
  const url = await subgraph.server.listen(config.port, config.host);
  const autoClose = setInterval(() => {
    autoCloseStaleCases(subgraph.dataSource, new Date(), config.autoCloseDays).catch((error: unknown) => console.error("auto-close failed:", error));
  }, config.autoCloseIntervalSeconds * 1000);
  autoClose.unref();
  const mailLogger = createLogger("cases-mail", config.logLevel);
  const transport = createMailTransport(config.mail);
  mailLogger.info({ transport: transport.description }, "case e-mails go to %s", transport.description);
  const stopMail = new NotificationDispatcher(subgraph.dataSource, { ...config.mail, transport, logger: mailLogger }).start(config.mail.dispatchIntervalSeconds * 1000);
  return {
    url,
    stop: async () => {
      clearInterval(autoClose);
      await stopMail();
      transport.close();
      await subgraph.stop();
    },
  };
});
