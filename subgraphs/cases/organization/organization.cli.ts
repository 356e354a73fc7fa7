import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import type { DataSource } from "typeorm";
import { isEmailAddress } from "../case/case.rules.js";
import { ProductProfile } from "../product-profile/product-profile.entity.js";
import { OrganizationUser } from "./organization-user.entity.js";
import { Organization } from "./organization.entity.js";

export const ORGANIZATIONS_USAGE = `Customer organizations and their product profiles, in the cases database (CASES_DATABASE_URL, else DATA_DIR/cases.sqlite).

  npm run organizations -- add <id> --name <name> [--locale ja|en]     creates an organization, or renames it / changes its e-mail language
  npm run organizations -- profile <id> --org <organization> --name <name> --product <product> [--version <version>]
                                                                       creates or updates a product profile customers choose at registration
  npm run organizations -- user <email> --org <organization> --name <name> [--id <user id>]
                                                                       adds a user to the organization's directory, or renames them: engineers and
                                                                       partners name such a user as the registrant of a case they register for it
                                                                       (--id: the user's id at the identity provider, the token's sub)
  npm run organizations -- remove-user <email> --org <organization>    takes a user out of the directory (cases they registered keep them)
  npm run organizations -- users <organization>                        one user per line: id, e-mail, name
  npm run organizations -- list                                        one organization per line, with its profiles

Partners and the organizations they manage live in the gateway: npm run apikey -- partner add ...`;

const ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** Runs one command; returns the exit code. `out` gets the result, `err` the messages. */
export async function runOrganizationsCommand(argv: string[], dataSource: DataSource, out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: "string" },
      locale: { type: "string" },
      org: { type: "string" },
      product: { type: "string" },
      version: { type: "string" },
      id: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
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
  if (command === "user" || command === "remove-user" || command === "users") return runUsersCommand(command, id, values, dataSource, out, fail);
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

/** The organization's directory of users: `user`, `remove-user`, `users`. */
async function runUsersCommand(
  command: "user" | "remove-user" | "users",
  argument: string | undefined,
  values: { name?: string; org?: string; id?: string },
  dataSource: DataSource,
  out: (line: string) => void,
  fail: (message: string) => number,
): Promise<number> {
  const users = dataSource.getRepository(OrganizationUser);
  const organizationId = command === "users" ? argument : values.org;
  if (!organizationId || !(await dataSource.getRepository(Organization).existsBy({ id: organizationId }))) return fail(`no organization ${organizationId ?? "given"}`);
  if (command === "users") {
    for (const user of await users.find({ where: { organizationId }, order: { name: "ASC", id: "ASC" } })) out(`${user.id}\t${user.email}\t${user.name}`);
    return 0;
  }
  const email = argument?.trim().toLowerCase() ?? "";
  if (!isEmailAddress(email)) return fail(`"${argument ?? ""}" is not an e-mail address`);
  const existing = await users.findOneBy({ organizationId, email });
  if (command === "remove-user") {
    if (!existing) return fail(`${email} is not a user of ${organizationId}`);
    await users.delete({ id: existing.id });
    out(`user ${email} removed from ${organizationId}`);
    return 0;
  }
  const name = values.name?.trim();
  if (!name) return fail("--name is required");
  if (name.length > 200) return fail("--name must be at most 200 characters");
  const id = values.id?.trim() || existing?.id || `u-${randomUUID()}`;
  if (id.length > 128) return fail("--id must be at most 128 characters");
  const holder = await users.findOneBy({ id });
  if (holder && (holder.email !== email || holder.organizationId !== organizationId)) return fail(`the id ${id} belongs to ${holder.email} of ${holder.organizationId} already`);
  await dataSource.transaction(async (tx) => {
    if (existing && existing.id !== id) await tx.delete(OrganizationUser, { id: existing.id });
    await tx.save(Object.assign(new OrganizationUser(), { id, organizationId, email, name }));
  });
  out(`user ${email} (${id}) saved for ${organizationId}`);
  return 0;
}
