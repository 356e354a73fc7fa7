import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { AccessAdminError } from "../access/access-admin-error.js";
import type { CliOutput } from "../access/api-key.cli.js";
import type { QueryLimits } from "../protection/query-limits.js";
import { readManifest } from "./manifest.js";
import type { ClientRelease, PersistedOperationsService } from "./persisted-operations.service.js";

export const OPERATIONS_USAGE = `Persisted operations (trusted documents) of the graph's own clients, in the gateway's database
(GATEWAY_DATABASE_URL, else DATA_DIR/gateway.sqlite).

  npm run operations -- publish <manifest.json> --client <name> --version <version>
      publishes a client build's operations: an Apollo persisted query list
      ({"format":"apollo-persisted-query-manifest","version":1,"operations":[...]}) or GraphQL Code
      Generator's persisted documents ({"<hash>":"<document>"}). Ids must be the SHA-256 (or SHA-1)
      hex of their document. Publishing the same release again with the same operations is a no-op.
  npm run operations -- list [--client <name>]                 one release per line: client, version, operations, status
  npm run operations -- list --client <name> --version <v>     the operations of that release: id, type, name
  npm run operations -- retire --client <name> --version <v>   its operations stop working from the next request on
                                                               (unless a live release has them too)

Requests then send {"documentId":"<id>"} or {"extensions":{"persistedQuery":{"version":1,"sha256Hash":"<sha256>"}}}
instead of the query, by POST or GET. PERSISTED_ONLY_CLIENTS and API keys made with --persisted-only
run nothing else.`;

function describeRelease(release: ClientRelease): string {
  const status = release.retiredAt ? `retired ${release.retiredAt.toISOString()}` : "live";
  return [release.clientName, release.clientVersion, `operations=${release.operations}`, `published=${release.publishedAt.toISOString()}`, status].join("  ");
}

/** Runs one `npm run operations` command; returns the exit code. */
export async function runOperationsCommand(
  argv: string[],
  deps: { operations: PersistedOperationsService; queryLimits: Pick<QueryLimits, "maxTokens" | "maxLength">; output: CliOutput; actor?: string },
): Promise<number> {
  const { operations, output, actor } = deps;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { client: { type: "string" }, version: { type: "string" }, help: { type: "boolean", short: "h" } },
    });
    const [command, argument] = positionals;
    if (values.help || !command) {
      output.err(OPERATIONS_USAGE);
      return values.help ? 0 : 1;
    }
    switch (command) {
      case "publish": {
        if (!argument) throw new AccessAdminError("publish needs the manifest file: publish <manifest.json> --client <name> --version <version>");
        if (!values.client || !values.version) throw new AccessAdminError("publish needs --client <name> and --version <version>");
        let text: string;
        try {
          text = await readFile(argument, "utf8");
        } catch (error) {
          throw new AccessAdminError(`Cannot read ${argument}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
        }
        const manifest = readManifest(text, deps.queryLimits);
        const { added, alreadyPublished } = await operations.publish(values.client, values.version, manifest, actor);
        output.out(
          alreadyPublished
            ? `${values.client} ${values.version} was already published with these ${manifest.length} operations`
            : `Published ${values.client} ${values.version}: ${manifest.length} operations (${added} new)`,
        );
        return 0;
      }
      case "list": {
        if (values.version) {
          if (!values.client) throw new AccessAdminError("list --version needs --client <name>");
          const ops = await operations.operationsOf(values.client, values.version);
          if (ops.length === 0) throw new AccessAdminError(`No release ${values.client} ${values.version} (see list)`);
          for (const op of ops) output.out(`${op.id}  ${op.type}  ${op.name ?? "(anonymous)"}`);
          return 0;
        }
        for (const release of await operations.list(values.client)) output.out(describeRelease(release));
        return 0;
      }
      case "retire": {
        if (!values.client || !values.version) throw new AccessAdminError("retire needs --client <name> and --version <version>");
        const { operations: count, alreadyRetired } = await operations.retire(values.client, values.version, actor);
        output.err(alreadyRetired ? `${values.client} ${values.version} was already retired` : `Retired ${values.client} ${values.version} (${count} operations)`);
        return 0;
      }
      default:
        throw new AccessAdminError(`Unknown command ${command}`);
    }
  } catch (error) {
    if (error instanceof AccessAdminError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      output.err(`operations: ${(error as Error).message}`);
      return 1;
    }
    throw error;
  }
}
