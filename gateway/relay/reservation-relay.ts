import type { KeyObject } from "node:crypto";
import { signIdentity } from "../../subgraphs/kit/identity.js";
import type { Logger } from "../../subgraphs/kit/logger.js";
import { RELAY_PRINCIPAL } from "../../subgraphs/kit/principal.js";
import {
  ACK_RESERVATION_COMMANDS,
  CLAIM_RESERVATION_COMMANDS,
  CONFIRM_RESERVATION,
  RELEASE_RESERVATION,
  type ReservationCommand,
  type ReservationCommandBatch,
  type ReservationDelivery,
} from "../../subgraphs/kit/reservation-protocol.js";
import { querySubgraph, type SubgraphCaller } from "../../subgraphs/kit/subgraph-client.js";

/** Commands one pass claims at most. */
const BATCH_SIZE = 50;

export interface ReservationRelayOptions {
  casesUrl: string;
  attachmentsUrl: string;
  /** The gateway's identity key: the relay signs its own system identity, as only the gateway can. */
  identityPrivateKey: KeyObject;
  logger: Logger;
  timeoutMs?: number;
}

/** What one pass did. */
export interface RelayPass {
  claimed: number;
  delivered: number;
  failed: number;
}

/**
 * Step 7 of the cases subgraph's reservation protocol (see its ReservationCoordinator). When a
 * createCase or addCaseUpdate could not confirm or release its files itself (its process died, or
 * the attachments subgraph did not answer), the command waits in the cases database. A subgraph
 * cannot sign an identity, and the caller's token is gone by then, so the gateway delivers these:
 * each pass claims due commands from the cases subgraph, sends each to the attachments subgraph,
 * and reports back, all as the system principal RELAY_PRINCIPAL, which ordinary fields give nothing.
 * Every step is idempotent and claims are leased, so any number of gateway replicas may run it.
 */
export class ReservationRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<RelayPass> | undefined;

  constructor(private readonly options: ReservationRelayOptions) {}

  /** One pass; a pass already running is joined rather than doubled. */
  runOnce(): Promise<RelayPass> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Runs a pass every `intervalMs` until `stop()`. */
  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.runOnce().catch((error: unknown) => this.options.logger.warn({ err: error }, "reservation relay pass failed; the next pass retries"));
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a pass in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  private caller(subgraph: "cases" | "attachments"): SubgraphCaller {
    const { casesUrl, attachmentsUrl, identityPrivateKey, timeoutMs = 10_000 } = this.options;
    return { url: subgraph === "cases" ? casesUrl : attachmentsUrl, subgraph, identityToken: relayIdentity(subgraph, identityPrivateKey), timeoutMs };
  }

  private async pass(): Promise<RelayPass> {
    const claimed = await querySubgraph<{ claimReservationCommands: ReservationCommandBatch }>(this.caller("cases"), CLAIM_RESERVATION_COMMANDS, { limit: BATCH_SIZE });
    const batch = claimed.claimReservationCommands;
    if (batch.commands.length === 0) return { claimed: 0, delivered: 0, failed: 0 };
    const deliveries: ReservationDelivery[] = [];
    for (const command of batch.commands) {
      try {
        await querySubgraph(this.caller("attachments"), ...operation(command));
        deliveries.push({ reservationId: command.reservationId, delivered: true });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.options.logger.warn({ reservationId: command.reservationId, command: command.command, err: error }, "reservation command not delivered; it will be retried");
        deliveries.push({ reservationId: command.reservationId, delivered: false, error: message });
      }
    }
    await querySubgraph(this.caller("cases"), ACK_RESERVATION_COMMANDS, { claimToken: batch.claimToken, deliveries });
    const delivered = deliveries.filter((d) => d.delivered).length;
    return { claimed: batch.commands.length, delivered, failed: deliveries.length - delivered };
  }
}

/** The relay's own identity for one call, addressed to that subgraph alone (neither passes it on), fresh so that a long pass never outlives it. */
function relayIdentity(subgraph: "cases" | "attachments", privateKey: KeyObject): string {
  return signIdentity(RELAY_PRINCIPAL, subgraph, privateKey);
}

function operation(command: ReservationCommand): [string, Record<string, unknown>] {
  return command.command === "confirm" ? [CONFIRM_RESERVATION, { reservationId: command.reservationId }] : [RELEASE_RESERVATION, { reservationId: command.reservationId, caseId: command.caseId }];
}
