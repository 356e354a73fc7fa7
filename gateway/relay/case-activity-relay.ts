import type { KeyObject } from "node:crypto";
import { ACK_CASE_ACTIVITIES, APPLY_CASE_ACTIVITIES, type CaseActivityBatch, type CaseActivityDelivery, type CaseActivityResult, CLAIM_CASE_ACTIVITIES } from "../../subgraphs/kit/case-activity-protocol.js";
import { FreshPass } from "../../subgraphs/kit/fresh-pass.js";
import { signIdentity } from "../../subgraphs/kit/identity.js";
import type { Logger } from "../../subgraphs/kit/logger.js";
import { RELAY_PRINCIPAL } from "../../subgraphs/kit/principal.js";
import { querySubgraph, type SubgraphCaller } from "../../subgraphs/kit/subgraph-client.js";

/** Activities one claim takes at most; a pass claims again while claims come back full, up to MAX_BATCHES. */
const BATCH_SIZE = 50;
const MAX_BATCHES = 10;

export interface CaseActivityRelayOptions {
  casesUrl: string;
  threatsUrl: string;
  /** The gateway's identity key: the relay signs its own system identity, as only the gateway can. */
  identityPrivateKey: KeyObject;
  logger: Logger;
  timeoutMs?: number;
}

/** What one pass did. */
export interface CaseActivityPass {
  claimed: number;
  delivered: number;
  failed: number;
}

/**
 * Carries case activity from the threat-analysis subgraph's outbox to the cases subgraph (see
 * subgraphs/kit/case-activity-protocol.ts). Each pass claims due activities from threat-analysis
 * (leased, so any number of gateway replicas may run passes), applies them at cases (which applies
 * each id once), and acknowledges to threat-analysis: applied ones leave the outbox, the others are
 * retried with a growing delay. All as the system principal RELAY_PRINCIPAL, with a token addressed to
 * the one subgraph called. When the cases subgraph is down, nothing is lost: the activities wait.
 */
export class CaseActivityRelay {
  private timer: NodeJS.Timeout | undefined;
  private readonly passes = new FreshPass(() => this.pass());

  constructor(private readonly options: CaseActivityRelayOptions) {}

  /**
   * One pass. A pass already running may have claimed before the caller's change committed, so the
   * caller gets the next pass, which starts when the running one ends; all callers meanwhile share it.
   */
  runOnce(): Promise<CaseActivityPass> {
    return this.passes.run();
  }

  /**
   * A pass, waited for at most `waitMs`: what the gateway does after a mutation that reached the
   * threat-analysis subgraph, so that the client reads the case's history right after. Never throws;
   * a pass that outlives the wait goes on in the background.
   */
  async deliverWithin(waitMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const pass = this.runOnce().catch((error: unknown) => this.options.logger.warn({ err: error }, "case activity relay pass failed; a later pass retries"));
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, waitMs);
      timer.unref();
    });
    await Promise.race([pass, timeout]);
    clearTimeout(timer);
  }

  /** Runs a pass every `intervalMs` until `stop()`. */
  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.runOnce().catch((error: unknown) => this.options.logger.warn({ err: error }, "case activity relay pass failed; the next pass retries"));
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for the passes in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.passes.settled();
  }

  private caller(subgraph: "cases" | "threat-analysis"): SubgraphCaller {
    const { casesUrl, threatsUrl, identityPrivateKey, timeoutMs = 10_000 } = this.options;
    // A fresh token per call, addressed to that subgraph alone (neither passes it on).
    return { url: subgraph === "cases" ? casesUrl : threatsUrl, subgraph, identityToken: signIdentity(RELAY_PRINCIPAL, subgraph, identityPrivateKey), timeoutMs };
  }

  private async pass(): Promise<CaseActivityPass> {
    const total: CaseActivityPass = { claimed: 0, delivered: 0, failed: 0 };
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const done = await this.deliverBatch();
      total.claimed += done.claimed;
      total.delivered += done.delivered;
      total.failed += done.failed;
      // Stop when the outbox had no more, or when the cases subgraph is failing: the backoff decides when to try again.
      if (done.claimed < BATCH_SIZE || done.failed > 0) break;
    }
    return total;
  }

  private async deliverBatch(): Promise<CaseActivityPass> {
    const claimed = await querySubgraph<{ claimCaseActivities: CaseActivityBatch }>(this.caller("threat-analysis"), CLAIM_CASE_ACTIVITIES, { limit: BATCH_SIZE });
    const { claimToken, activities } = claimed.claimCaseActivities;
    if (activities.length === 0) return { claimed: 0, delivered: 0, failed: 0 };
    let deliveries: CaseActivityDelivery[];
    try {
      const applied = await querySubgraph<{ applyCaseActivities: CaseActivityResult[] }>(this.caller("cases"), APPLY_CASE_ACTIVITIES, { activities });
      const byId = new Map(applied.applyCaseActivities.map((result) => [result.id, result]));
      deliveries = activities.map(({ id }) => {
        const result = byId.get(id);
        return result?.applied ? { id, delivered: true } : { id, delivered: false, error: result?.error ?? "the cases subgraph did not answer for this activity" };
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      deliveries = activities.map(({ id }) => ({ id, delivered: false, error: message }));
    }
    const failed = deliveries.filter((d) => !d.delivered);
    if (failed.length) this.options.logger.warn({ activities: failed.map((d) => d.id), error: failed[0]!.error }, "case activity not delivered; it will be retried");
    await querySubgraph(this.caller("threat-analysis"), ACK_CASE_ACTIVITIES, { claimToken, deliveries });
    return { claimed: activities.length, delivered: deliveries.length - failed.length, failed: failed.length };
  }
}
