// First: tracing hooks the modules everything below loads.
import "./tracing.js";
import { pruneIdempotencyReceipts } from "../kit/idempotency.js";
import { createLogger } from "../kit/logger.js";
import { runService } from "../kit/run-service.js";
import { autoCloseStaleCases } from "./case/case.autoclose.js";
import { createCasesSubgraph } from "./cases-subgraph.js";
import { casesConfig } from "./config.js";
import { createMailTransport } from "./notification/mail-transport.js";
import { NotificationDispatcher } from "./notification/notification.dispatcher.js";
import { WebhookDispatcher } from "./webhook/webhook.dispatcher.js";

runService("cases", async () => {
  const config = casesConfig();
  const subgraph = await createCasesSubgraph(config);
  const url = await subgraph.server.listen(config.port, config.host);
  // Housekeeping on the same beat: stale cases close themselves, the feed forgets what is past retention, and Idempotency-Key receipts past 24 h go.
  const autoClose = setInterval(() => {
    autoCloseStaleCases(subgraph.dataSource, new Date(), config.autoCloseDays, subgraph.services.feedWriter).catch((error: unknown) => console.error("auto-close failed:", error));
    subgraph.services.feed.prune(new Date(), config.feedRetentionDays).catch((error: unknown) => console.error("case feed retention failed:", error));
    subgraph.services.webhooks.prune(new Date(), config.feedRetentionDays).catch((error: unknown) => console.error("webhook delivery log retention failed:", error));
    pruneIdempotencyReceipts(subgraph.dataSource, new Date()).catch((error: unknown) => console.error("Idempotency-Key receipt retention failed:", error));
  }, config.autoCloseIntervalSeconds * 1000);
  autoClose.unref();
  const mailLogger = createLogger("cases-mail", config.logLevel);
  const transport = createMailTransport(config.mail);
  mailLogger.info({ transport: transport.description }, "case e-mails go to %s", transport.description);
  const stopMail = new NotificationDispatcher(subgraph.dataSource, { ...config.mail, transport, logger: mailLogger }).start(config.mail.dispatchIntervalSeconds * 1000);
  // Partner webhooks: any number of replicas may dispatch (leased claims); the e-mail to a disabled endpoint's contact goes through the same transport.
  const webhooks = new WebhookDispatcher(subgraph.dataSource, { config: config.webhooks, mail: { transport, from: config.mail.from }, logger: createLogger("cases-webhooks", config.logLevel) });
  const stopWebhooks = config.webhooks.dispatchIntervalSeconds > 0 ? webhooks.start(config.webhooks.dispatchIntervalSeconds * 1000) : async () => undefined;
  return {
    url,
    stop: async () => {
      clearInterval(autoClose);
      await stopWebhooks();
      await stopMail();
      transport.close();
      await subgraph.stop();
    },
  };
});
