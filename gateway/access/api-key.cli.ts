import { parseArgs } from "node:util";
import type { DataSource } from "typeorm";
import type { Logger } from "../../subgraphs/kit/logger.js";
import { SCOPES } from "../../subgraphs/kit/principal.js";
import { AccessAdminError } from "./access-admin-error.js";
import type { ApiKey } from "./api-key.entity.js";
import type { ApiKeyService } from "./api-key.service.js";
import { listPartners, savePartner } from "./partner.service.js";

export const API_KEY_USAGE = `Partner API keys and partners, in the gateway's database (GATEWAY_DATABASE_URL, else DATA_DIR/gateway.sqlite).

  npm run apikey -- create --partner <id> --scopes <a,b> [--orgs <x,y>] [--expires <date>] [--label <text>] [--persisted-only]
      prints the new key on stdout, once: it is stored only as a SHA-256 hash
      --persisted-only: the key runs published operations only (npm run operations), never a query text
  npm run apikey -- list [--partner <id>]     one key per line: id, display prefix, status, scopes, organizations, expiry, last use
  npm run apikey -- revoke <key id>           refused from the next request on, on every gateway replica
  npm run apikey -- policy <key id> --persisted-only | --any-operations
                                              restricts the key to published operations, or lifts it
  npm run apikey -- rotate <key id>           prints a new key; the old one keeps working for the grace period
                                              (API_KEY_ROTATION_GRACE_SECONDS, default 24 h), then stops
  npm run apikey -- partner add <id> --name <name> --orgs <a,b>   creates a partner, or renames it / replaces its organizations
  npm run apikey -- partner list

Scopes: ${SCOPES.join(", ")}. --orgs limits a key to some of the partner's organizations (default: all it manages).
--expires takes an ISO date or time (2027-03-31 means 2027-03-31T00:00:00Z).`;

export interface CliOutput {
  /** The command's result (a new key goes here alone, so that KEY=$(npm run -s apikey -- create ...) works). */
  out(line: string): void;
  /** Messages for the person at the terminal. */
  err(line: string): void;
}

function list(value: string | undefined): string[] | undefined {
  return value === undefined
    ? undefined
    : value
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
}

function parseExpiry(value: string | undefined): Date | null {
  if (value === undefined) return null;
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(date.getTime())) throw new AccessAdminError(`--expires: "${value}" is not an ISO date or time`);
  return date;
}

export function describeKey(key: ApiKey, now = new Date()): string {
  const status = key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : key.expiresAt && key.expiresAt <= now ? "expired" : key.replacedById ? `rotated to ${key.replacedById}` : "active";
  return [
    key.id,
    key.displayPrefix,
    status,
    `partner=${key.partnerId}`,
    `scopes=${key.scopes.join(",")}`,
    `orgs=${key.organizationIds?.join(",") ?? "all"}`,
    `expires=${key.expiresAt?.toISOString() ?? "never"}`,
    `operations=${key.persistedOnly ? "persisted-only" : "any"}`,
    `lastUsed=${key.lastUsedAt?.toISOString() ?? "never"}`,
    ...(key.label ? [`label=${JSON.stringify(key.label)}`] : []),
  ].join("  ");
}

/** Runs one `npm run apikey` command; returns the exit code. */
export async function runApiKeyCommand(argv: string[], deps: { keys: ApiKeyService; dataSource: DataSource; output: CliOutput; logger: Logger; actor?: string }): Promise<number> {
  const { keys, output, actor } = deps;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        partner: { type: "string" },
        scopes: { type: "string" },
        orgs: { type: "string" },
        expires: { type: "string" },
        label: { type: "string" },
        name: { type: "string" },
        "persisted-only": { type: "boolean" },
        "any-operations": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
    const [command, argument, third] = positionals;
    if (values.help || !command) {
      output.err(API_KEY_USAGE);
      return values.help ? 0 : 1;
    }
    switch (command) {
      case "create": {
        if (!values.partner) throw new AccessAdminError("create needs --partner <id>");
        const { key, record } = await keys.create({
          partnerId: values.partner,
          scopes: list(values.scopes) ?? [],
          organizationIds: list(values.orgs) ?? null,
          expiresAt: parseExpiry(values.expires),
          label: values.label,
          persistedOnly: values["persisted-only"] ?? false,
          actor,
        });
        output.err(`Created ${describeKey(record)}\nThe key follows; it is shown only now:`);
        output.out(key);
        return 0;
      }
      case "list":
        for (const key of await keys.list(values.partner)) output.out(describeKey(key));
        return 0;
      case "revoke": {
        if (!argument) throw new AccessAdminError("revoke needs a key id (see list)");
        const { record, alreadyRevoked } = await keys.revoke(argument, actor);
        output.err(alreadyRevoked ? `${record.id} was already revoked` : `Revoked ${record.id} (${record.displayPrefix}); it is refused from the next request on`);
        return 0;
      }
      case "rotate": {
        if (!argument) throw new AccessAdminError("rotate needs a key id (see list)");
        const { key, record, previous } = await keys.rotate(argument, actor);
        output.err(`Created ${describeKey(record)}\n${previous.id} (${previous.displayPrefix}) keeps working until ${previous.expiresAt!.toISOString()}.\nThe new key follows; it is shown only now:`);
        output.out(key);
        return 0;
      }
      case "policy": {
        if (!argument || values["persisted-only"] === values["any-operations"]) throw new AccessAdminError("policy needs a key id and one of --persisted-only or --any-operations");
        const record = await keys.setPersistedOnly(argument, values["persisted-only"] === true, actor);
        output.out(describeKey(record));
        return 0;
      }
      case "partner":
        if (argument === "add" && third) {
          const partner = await savePartner(deps.dataSource, { id: third, name: values.name, organizationIds: list(values.orgs) });
          deps.logger.info({ event: "partner_saved", actor, partnerId: partner.id, organizationIds: partner.organizationIds }, "partner saved");
          output.out(`${partner.id}  ${JSON.stringify(partner.name)}  orgs=${partner.organizationIds.join(",")}`);
          return 0;
        }
        if (argument === "list") {
          for (const partner of await listPartners(deps.dataSource)) output.out(`${partner.id}  ${JSON.stringify(partner.name)}  orgs=${partner.organizationIds.join(",")}`);
          return 0;
        }
        throw new AccessAdminError("partner add <id> --name <name> --orgs <a,b>, or partner list");
      default:
        throw new AccessAdminError(`Unknown command ${command}`);
    }
  } catch (error) {
    if (error instanceof AccessAdminError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      output.err(`apikey: ${(error as Error).message}`);
      return 1;
    }
    throw error;
  }
}
