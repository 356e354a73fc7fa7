import { parseArgs } from "node:util";
import { GraphQLError } from "graphql";
import { CASE_FEED_EVENT_TYPES } from "../../kit/case-feed-protocol.js";
import { pageSize } from "../../kit/pagination.js";
import { WebhookDeliveryStatus } from "./webhook.entity.js";
import type { WebhookEndpointView, WebhookService } from "./webhook.service.js";

export const WEBHOOK_USAGE = `Partner webhook endpoints and their deliveries, in the cases database (CASES_DATABASE_URL, else DATA_DIR/cases.sqlite).
--partner names the partner (as in npm run apikey -- partner list); it may only use the organizations it manages.

  npm run webhook -- add --partner <id> --url <https url> --events <A,B|all> --orgs <x,y> --contact <e-mail> [--description <text>]
      registers an endpoint; prints its signing secret (whsec_...) on stdout, once
  npm run webhook -- list --partner <id>                  one endpoint per line: id, status, url, events, organizations, failures
  npm run webhook -- remove <endpoint id> --partner <id>  deletes the endpoint and its delivery log
  npm run webhook -- enable <endpoint id> --partner <id>  enables an endpoint again (after it was disabled for failures)
  npm run webhook -- disable <endpoint id> --partner <id>
  npm run webhook -- rotate-secret <endpoint id> --partner <id>
      prints a new secret, once; the old one keeps signing next to it for WEBHOOK_SECRET_OVERLAP_HOURS
  npm run webhook -- deliveries <endpoint id> --partner <id> [--status PENDING|DELIVERED|FAILED] [--first <n>] [--after <cursor>]
      one delivery per line, newest first: id, status, event, case, attempts, response code, latency, last error
  npm run webhook -- redeliver <delivery id> --partner <id>   sends a delivery again (same webhook-id)

Event types: ${CASE_FEED_EVENT_TYPES.join(", ")}.`;

export interface WebhookCliOutput {
  /** The command's result (a secret goes here alone, so that SECRET=$(npm run -s webhook -- add ...) works). */
  out(line: string): void;
  /** Messages for the person at the terminal. */
  err(line: string): void;
}

/** The organizations a partner manages (the gateway's partner records), or null for an unknown partner. */
export type PartnerOrganizations = (partnerId: string) => Promise<string[] | null>;

function list(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

export function describeEndpoint(endpoint: WebhookEndpointView): string {
  return [
    endpoint.id,
    endpoint.status,
    endpoint.url,
    `events=${endpoint.eventTypes.join(",")}`,
    `orgs=${endpoint.organizationIds.join(",")}`,
    `contact=${endpoint.contactEmail}`,
    `failures=${endpoint.consecutiveFailures}`,
    ...(endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > new Date() ? [`previousSecretUntil=${endpoint.previousSecretExpiresAt.toISOString()}`] : []),
    ...(endpoint.disabledReason ? [`disabled=${JSON.stringify(endpoint.disabledReason)}`] : []),
    ...(endpoint.description ? [`description=${JSON.stringify(endpoint.description)}`] : []),
  ].join("  ");
}

class UsageError extends Error {}

/** Runs one `npm run webhook` command; returns the exit code. */
export async function runWebhookCommand(argv: string[], deps: { webhooks: WebhookService; partnerOrganizations: PartnerOrganizations; output: WebhookCliOutput; actor: string }): Promise<number> {
  const { webhooks, output } = deps;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        partner: { type: "string" },
        url: { type: "string" },
        events: { type: "string" },
        orgs: { type: "string" },
        contact: { type: "string" },
        description: { type: "string" },
        status: { type: "string" },
        first: { type: "string" },
        after: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    const [command, argument] = positionals;
    if (values.help || !command) {
      output.err(WEBHOOK_USAGE);
      return values.help ? 0 : 1;
    }
    if (!values.partner) throw new UsageError(`${command} needs --partner <id>`);
    const organizationIds = await deps.partnerOrganizations(values.partner);
    if (organizationIds === null) throw new UsageError(`Unknown partner ${values.partner} (see npm run apikey -- partner list)`);
    const owner = { partnerId: values.partner, organizationIds, actor: `cli:${deps.actor}` };
    const needId = (what: string) => {
      if (!argument) throw new UsageError(`${command} needs ${what}`);
      return argument;
    };
    switch (command) {
      case "add": {
        const events = values.events === "all" ? [...CASE_FEED_EVENT_TYPES] : list(values.events);
        const { endpoint, secret } = await webhooks.create(owner, { url: values.url ?? "", eventTypes: events, organizationIds: list(values.orgs), contactEmail: values.contact ?? "", description: values.description });
        output.err(`Registered ${describeEndpoint(endpoint)}\nIts signing secret follows; it is shown only now:`);
        output.out(secret);
        return 0;
      }
      case "list":
        for (const endpoint of await webhooks.list(owner)) output.out(describeEndpoint(endpoint));
        return 0;
      case "remove": {
        const endpoint = await webhooks.remove(owner, needId("an endpoint id (see list)"));
        output.err(`Removed ${endpoint.id} (${endpoint.url}) and its delivery log`);
        return 0;
      }
      case "enable":
      case "disable": {
        const endpoint = await webhooks.update(owner, needId("an endpoint id (see list)"), { enabled: command === "enable" });
        output.out(describeEndpoint(endpoint));
        return 0;
      }
      case "rotate-secret": {
        const { endpoint, secret } = await webhooks.rotateSecret(owner, needId("an endpoint id (see list)"));
        const until = endpoint.previousSecretExpiresAt ? `the old secret keeps signing next to it until ${endpoint.previousSecretExpiresAt.toISOString()}` : "the old secret no longer signs";
        output.err(`Rotated the secret of ${endpoint.id}; ${until}.\nThe new secret follows; it is shown only now:`);
        output.out(secret);
        return 0;
      }
      case "deliveries": {
        const status = values.status?.toUpperCase();
        if (status && !(Object.values(WebhookDeliveryStatus) as string[]).includes(status)) throw new UsageError(`--status is one of ${Object.values(WebhookDeliveryStatus).join(", ")}`);
        const page = await webhooks.deliveries(owner, needId("an endpoint id (see list)"), {
          status: (status as WebhookDeliveryStatus | undefined) ?? null,
          first: pageSize(values.first === undefined ? 20 : Number(values.first)),
          after: values.after,
        });
        for (const { node: d } of page.edges) {
          output.out(
            [
              d.id,
              d.status,
              `event=${d.eventId}:${d.eventType}`,
              `case=${d.caseId}`,
              `attempts=${d.attempts}`,
              `response=${d.responseStatus ?? "-"}`,
              `latency=${d.latencyMs === null ? "-" : `${d.latencyMs}ms`}`,
              `created=${d.createdAt.toISOString()}`,
              ...(d.lastError ? [`error=${JSON.stringify(d.lastError)}`] : []),
            ].join("  "),
          );
        }
        if (page.pageInfo.hasNextPage) output.err(`More: --after ${page.pageInfo.endCursor}`);
        return 0;
      }
      case "redeliver": {
        const delivery = await webhooks.redeliver(owner, needId("a delivery id (see deliveries)"));
        output.err(`${delivery.id} is PENDING again: the next dispatcher pass sends it`);
        return 0;
      }
      default:
        throw new UsageError(`Unknown command ${command}`);
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof GraphQLError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      output.err(`webhook: ${(error as Error).message}`);
      return 1;
    }
    throw error;
  }
}
