import { parseArgs } from "node:util";
import type { DataSource } from "typeorm";
import { ProductProfile } from "../product-profile/product-profile.entity.js";
import { Organization } from "./organization.entity.js";

export const ORGANIZATIONS_USAGE = `Customer organizations and their product profiles, in the cases database (CASES_DATABASE_URL, else DATA_DIR/cases.sqlite).

  npm run organizations -- add <id> --name <name> [--locale ja|en]     creates an organization, or renames it / changes its e-mail language
  npm run organizations -- profile <id> --org <organization> --name <name> --product <product> [--version <version>]
                                                                       creates or updates a product profile customers choose at registration
  npm run organizations -- list                                        one organization per line, with its profiles

Partners and the organizations they manage live in the gateway: npm run apikey -- partner add ...`;

const ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** Runs one command; returns the exit code. `out` gets the result, `err` the messages. */
export async function runOrganizationsCommand(argv: string[], dataSource: DataSource, out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { name: { type: "string" }, locale: { type: "string" }, org: { type: "string" }, product: { type: "string" }, version: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  const [command, id] = positionals;
  const fail = (message: string) => {
    err(`${message}\n\n${ORGANIZATIONS_USAGE}`);
    return 2;
  };
  if (values.help || !command) return fail("Give a command.");
  if (command === "list") {
    const organizations = await dataSource.getRepository(Organization).find({ order: { id: "ASC" } });
    const profiles = await dataSource.getRepository(ProductProfile).find({ order: { id: "ASC" } });
    for (const organization of organizations) {
      const own = profiles.filter((p) => p.organizationId === organization.id).map((p) => `${p.id} (${p.product}${p.version ? ` ${p.version}` : ""})`);
      out(`${organization.id}\t${organization.name}\t${organization.locale}\t${own.join(", ") || "no product profiles"}`);
    }
    return 0;
  }
  if (!id || !ID.test(id)) return fail(`"${id ?? ""}" is not an id: lower-case letters, digits, - and _, at most 64`);
  if (command === "add") {
    const locale = values.locale ?? "ja";
    if (!values.name?.trim()) return fail("--name is required");
    if (locale !== "ja" && locale !== "en") return fail("--locale must be ja or en");
    await dataSource.getRepository(Organization).upsert({ id, name: values.name.trim(), locale }, ["id"]);
    out(`organization ${id} saved`);
    return 0;
  }
  if (command === "profile") {
    if (!values.org || !values.name?.trim() || !values.product?.trim()) return fail("--org, --name and --product are required");
    if (!(await dataSource.getRepository(Organization).existsBy({ id: values.org }))) return fail(`no organization ${values.org}`);
    await dataSource.getRepository(ProductProfile).upsert({ id, organizationId: values.org, name: values.name.trim(), product: values.product.trim(), version: values.version?.trim() || null }, ["id"]);
    out(`product profile ${id} saved for ${values.org}`);
    return 0;
  }
  return fail(`Unknown command ${command}.`);
}
