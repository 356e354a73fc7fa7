import { readInt, readString } from "../../subgraphs/kit/env.js";

/** Live subscriptions (gateway/subscriptions/): how the gateway tails the case feed and how many subscriptions one caller may hold. */
export interface SubscriptionsConfig {
  /** How often the gateway asks the cases subgraph for new feed events (CASE_FEED_POLL_INTERVAL_MS; it also asks right after every mutation it answers). */
  pollIntervalMs: number;
  /** Open subscriptions per user or API key on one gateway (SUBSCRIPTIONS_PER_PRINCIPAL). */
  perPrincipal: number;
  /** Open subscriptions per WebSocket connection (SUBSCRIPTIONS_PER_CONNECTION; an SSE request carries one). */
  perConnection: number;
  /** How often API keys (and the organizations of a credential) behind open subscriptions are checked again (SUBSCRIPTION_CREDENTIAL_RECHECK_SECONDS). */
  credentialRecheckSeconds: number;
  /** Redis channel prefix of the feed's fan-out between gateway replicas (SUBSCRIPTION_CHANNEL_PREFIX); REDIS_URL turns the fan-out on. */
  channelPrefix: string;
}

type Env = Record<string, string | undefined>;

export function readSubscriptions(env: Env): SubscriptionsConfig {
  return {
    pollIntervalMs: readInt(env, "CASE_FEED_POLL_INTERVAL_MS", 1_000, { min: 50, max: 60_000 }),
    perPrincipal: readInt(env, "SUBSCRIPTIONS_PER_PRINCIPAL", 50, { min: 1 }),
    perConnection: readInt(env, "SUBSCRIPTIONS_PER_CONNECTION", 20, { min: 1 }),
    credentialRecheckSeconds: readInt(env, "SUBSCRIPTION_CREDENTIAL_RECHECK_SECONDS", 30, { min: 1, max: 60 }),
    channelPrefix: readString(env, "SUBSCRIPTION_CHANNEL_PREFIX", "casegraph:feed"),
  };
}
