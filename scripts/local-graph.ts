import "reflect-metadata";
import { gatewayConfig } from "../gateway/config.js";
import { createGateway, type Gateway } from "../gateway/gateway.js";
import { type AttachmentsSubgraph, createAttachmentsSubgraph } from "../subgraphs/attachments/attachments-subgraph.js";
import { attachmentsConfig } from "../subgraphs/attachments/config.js";
import type { ReservationFaults } from "../subgraphs/cases/attachment-reservation/attachment-reservation.coordinator.js";
import type { Clock } from "../subgraphs/cases/case/case.service.js";
import { type CasesSubgraph, createCasesSubgraph } from "../subgraphs/cases/cases-subgraph.js";
import { casesConfig } from "../subgraphs/cases/config.js";
import { createMailTransport } from "../subgraphs/cases/notification/mail-transport.js";
import { WebhookDispatcher } from "../subgraphs/cases/webhook/webhook.dispatcher.js";
import { createLogger } from "../subgraphs/kit/logger.js";
import { threatsConfig } from "../subgraphs/threat-analysis/config.js";
import { SUBGRAPHS, type SubgraphName } from "../subgraphs/kit/topology.js";
import { createThreatsSubgraph, type ThreatsSubgraph } from "../subgraphs/threat-analysis/threats-subgraph.js";

export type { SubgraphName };

export interface LocalGraphOptions {
  clock?: Clock;
  /** Receives every SQL statement with the subgraph that ran it. */
  onQuery?: (subgraph: SubgraphName, sql: string) => void;
  /** Tests only: the cases subgraph's fault hook between the steps of attaching files. */
  casesFaults?: ReservationFaults;
}

export interface LocalGraph {
  gatewayUrl: string;
  urls: Record<SubgraphName, string>;
  cases: CasesSubgraph;
  attachments: AttachmentsSubgraph;
  threats: ThreatsSubgraph;
  gateway: Gateway;
  /** Delivers partner webhooks; on a timer when WEBHOOK_DISPATCH_INTERVAL_SECONDS > 0 (the tests set 0 and run its passes themselves). */
  webhooks: WebhookDispatcher;
  stop(): Promise<void>;
}

/**
 * The whole graph in this process on free ports, configured by `env` exactly as the services'
 * main.ts would be: real HTTP between gateway and subgraphs. Used by the tests and the benchmark.
 */
export async function startLocalGraph(env: Record<string, string>, options: LocalGraphOptions = {}): Promise<LocalGraph> {
  // Cases and attachments call each other: attachments listens first and learns the cases URL once cases listens.
  const attachments = await createAttachmentsSubgraph(attachmentsConfig(env), { onQuery: (sql) => options.onQuery?.("attachments", sql) });
  const attachmentsUrl = await attachments.server.listen(0);
  const config = casesConfig({ ...env, [SUBGRAPHS.attachments.urlVariable]: attachmentsUrl });
  const cases = await createCasesSubgraph(config, {
    clock: options.clock,
    faults: options.casesFaults,
    onQuery: (sql) => options.onQuery?.("cases", sql),
  });
  const casesUrl = await cases.server.listen(0);
  // As the cases service's main.ts does: webhooks delivered by a dispatcher, disabled endpoints told through the case e-mails' transport.
  const mail = createMailTransport(config.mail);
  const webhooks = new WebhookDispatcher(cases.dataSource, {
    config: config.webhooks,
    mail: { transport: mail, from: config.mail.from },
    clock: options.clock,
    logger: createLogger("cases-webhooks", config.logLevel),
  });
  const stopWebhooks = config.webhooks.dispatchIntervalSeconds > 0 ? webhooks.start(config.webhooks.dispatchIntervalSeconds * 1000) : async () => undefined;
  attachments.services.config.casesUrl = casesUrl;
  const withUrls = { ...env, [SUBGRAPHS.cases.urlVariable]: casesUrl, [SUBGRAPHS.attachments.urlVariable]: attachmentsUrl };
  const threats = await createThreatsSubgraph(threatsConfig(withUrls), { clock: options.clock, onQuery: (sql) => options.onQuery?.("threat-analysis", sql) });
  const threatsUrl = await threats.server.listen(0);
  const gateway = await createGateway(gatewayConfig({ ...withUrls, [SUBGRAPHS["threat-analysis"].urlVariable]: threatsUrl }));
  const gatewayUrl = await gateway.listen(0);
  // Download links point at the gateway's origin, known once it listens.
  if (!env.PUBLIC_URL) attachments.services.config.publicUrl = new URL(gatewayUrl).origin;
  return {
    gatewayUrl,
    urls: { cases: casesUrl, attachments: attachmentsUrl, "threat-analysis": threatsUrl },
    cases,
    attachments,
    threats,
    gateway,
    webhooks,
    async stop() {
      await stopWebhooks();
      mail.close();
      await gateway.stop();
      await threats.stop();
      await attachments.stop();
      await cases.stop();
    },
  };
}
