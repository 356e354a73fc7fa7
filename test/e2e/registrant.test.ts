import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CaseEntity } from "../../subgraphs/cases/case/case.entity.js";
import { NotificationEntity } from "../../subgraphs/cases/notification/notification.entity.js";
import { runOrganizationsCommand } from "../../subgraphs/cases/organization/organization.cli.js";
import { SCOPES } from "../../subgraphs/kit/principal.js";
import { apiKeyHeader, apiKeysOf } from "../support/api-keys.js";
import { caseApi, codeOf } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { productCase } from "../support/fixtures.js";
import { startGraph, type TestGraph } from "../support/graph.js";

const CREATE = `mutation($input: CreateCaseInput!) { createCase(input: $input) { case { id caseNumber registrant { id name role } } } }`;
const HISTORY = `query($id: ID!) { case(id: $id) { registrant { id name role } history(first: 20) { edges { node { field oldValue newValue actor { id name role } } } } } }`;

const AIKO = { id: "u-acme-customer", name: "Aiko Tanaka", role: "CUSTOMER" };
const YUKI = { id: "u-acme-it", name: "Yuki Yamada", role: "CUSTOMER" };
const ENGINEER = { id: "u-engineer", name: "Kenji Sato", role: "ENGINEER" };
const PARTNER_STAFF = { id: "u-initech-staff", name: "Peter Gibbons", role: "PARTNER" };

/** "Registrant" in docs/domain.md: who registered a case (登録いただいた本人) and gets its mails, when someone registers it on their behalf. */
describe.each(DATABASES)("the registrant of a case registered on a customer's behalf, on %s", (database) => {
  let graph: TestGraph;
  let api: ReturnType<typeof caseApi>;
  let acme: string;
  let engineer: string;
  let staff: string;
  let key: Record<string, string>;

  const create = (input: Record<string, unknown>, auth: { token?: string; headers?: Record<string, string> }) => graph.request({ query: CREATE, variables: { input: { ...productCase, ...input } }, ...auth });
  const outbox = (caseId: string) => graph.cases.dataSource.getRepository(NotificationEntity).find({ where: { caseId }, order: { createdAt: "ASC" } });
  const written = async () => ({
    cases: await graph.cases.dataSource.getRepository(CaseEntity).count(),
    mails: await graph.cases.dataSource.getRepository(NotificationEntity).count(),
  });
  const cli = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runOrganizationsCommand(
      argv,
      graph.cases.dataSource,
      (line) => out.push(line),
      (line) => err.push(line),
    );
    return { code, out, err };
  };

  beforeAll(async () => {
    graph = await startGraph({ database });
    api = caseApi(graph);
    acme = await graph.tokenFor("customer@acme.example");
    engineer = await graph.tokenFor("engineer@support.example");
    staff = await graph.tokenFor("staff@initech.example");
    key = apiKeyHeader((await apiKeysOf(graph).create({ partnerId: "initech", scopes: [...SCOPES] })).key);
  });
  afterAll(() => graph?.stop());

  it("an engineer names a user of the organization: they are the registrant and get the registration, update and closing mails; history shows the engineer registering", async () => {
    const created = await create({ organizationId: "acme", registrant: { email: "IT-Ops@acme.example" }, ccEmails: ["boss@acme.example"] }, { token: engineer });
    expect(created.errors).toBeUndefined();
    const c = created.data!.createCase.case;
    expect(c.registrant).toEqual(YUKI);

    const { history } = (await graph.request({ query: HISTORY, variables: { id: c.id }, token: acme })).data!.case;
    const events = history.edges.map((e: any) => e.node);
    expect(events).toContainEqual({ field: "status", oldValue: null, newValue: "OPEN", actor: ENGINEER });
    expect(events).toContainEqual({ field: "registrant", oldValue: null, newValue: "Yuki Yamada", actor: ENGINEER });

    await api.addUpdate(acme, { caseId: c.id, body: "Thanks, here are the logs." });
    await api.close(acme, { caseId: c.id });
    const mails = (await outbox(c.id)).map((n) => [n.kind, n.recipients]);
    expect(mails).toEqual([
      ["CASE_REGISTERED", ["it-ops@acme.example"]],
      ["CASE_UPDATED", ["it-ops@acme.example", "boss@acme.example"]],
      ["CASE_CLOSED", ["it-ops@acme.example"]],
    ]);
    const registration = (await outbox(c.id))[0]!;
    expect(registration.details).toMatchObject({ actorName: "Kenji Sato", actorRole: "ENGINEER", onBehalf: "true" });
  });

  it("a partner API key must name the registrant (no one would get the mails otherwise), and the named customer gets them", async () => {
    const before = await written();
    const anonymous = await create({ organizationId: "acme" }, { headers: key });
    expect(anonymous.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "registrant" });
    expect(await written()).toEqual(before);

    const named = await create({ organizationId: "acme", registrant: { email: "customer@acme.example" } }, { headers: key });
    expect(named.errors).toBeUndefined();
    expect(named.data!.createCase.case.registrant).toEqual(AIKO);
    expect((await outbox(named.data!.createCase.case.id)).map((n) => n.recipients)).toEqual([["customer@acme.example"]]);
  });

  it("an engineer must name one too; partner staff may, else they are the registrant themselves", async () => {
    const before = await written();
    expect((await create({ organizationId: "acme" }, { token: engineer })).errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "registrant" });
    expect(await written()).toEqual(before);

    const themselves = await create({ organizationId: "acme" }, { token: staff });
    expect(themselves.data!.createCase.case.registrant).toEqual(PARTNER_STAFF);
    expect((await outbox(themselves.data!.createCase.case.id)).map((n) => n.recipients)).toEqual([["staff@initech.example"]]);
    const onBehalf = await create({ organizationId: "acme", registrant: { email: "it-ops@acme.example" } }, { token: staff });
    expect(onBehalf.data!.createCase.case.registrant).toEqual(YUKI);
    const history = (await graph.request({ query: HISTORY, variables: { id: onBehalf.data!.createCase.case.id }, token: staff })).data!.case.history.edges.map((e: any) => e.node);
    expect(history).toContainEqual({ field: "status", oldValue: null, newValue: "OPEN", actor: PARTNER_STAFF });
  });

  it("refuses anyone who is not a user of the case's organization with BAD_USER_INPUT, writing nothing", async () => {
    const before = await written();
    for (const email of ["customer@globex.example", "nobody@acme.example", "not-an-address", "staff@initech.example"]) {
      const refused = await create({ organizationId: "acme", registrant: { email } }, { token: engineer });
      expect(refused.errors?.[0]?.extensions, email).toMatchObject({ code: "BAD_USER_INPUT", field: "registrant" });
    }
    const otherOrganization = await create({ organizationId: "globex", productProfileId: "globex-server", registrant: { email: "customer@acme.example" } }, { token: engineer });
    expect(otherOrganization.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "registrant" });
    expect(await written()).toEqual(before);
  });

  it("a customer registering for themselves stays the registrant and cannot name a colleague", async () => {
    const own = await create({}, { token: acme });
    expect(own.data!.createCase.case.registrant).toEqual(AIKO);
    const history = (await graph.request({ query: HISTORY, variables: { id: own.data!.createCase.case.id }, token: acme })).data!.case.history.edges.map((e: any) => e.node);
    expect(history.map((e: any) => e.field)).not.toContain("registrant");
    expect((await outbox(own.data!.createCase.case.id))[0]!.details.onBehalf).toBeUndefined();
    expect((await create({ registrant: { email: "Customer@ACME.example" } }, { token: acme })).data!.createCase.case.registrant).toEqual(AIKO);

    const before = await written();
    const colleague = await create({ registrant: { email: "it-ops@acme.example" } }, { token: acme });
    expect(colleague.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "registrant" });
    expect(await written()).toEqual(before);
  });

  it("lists the users a caller may name: those of the organizations it may see", async () => {
    const users = async (auth: { token?: string; headers?: Record<string, string> }, organizationId?: string) => {
      const response = await graph.request({ query: "query($o: ID) { organizationUsers(organizationId: $o) { id email name } }", variables: { o: organizationId ?? null }, ...auth });
      expect(response.errors).toBeUndefined();
      return response.data!.organizationUsers.map((u: { email: string }) => u.email);
    };
    expect(await users({ token: acme })).toEqual(["customer@acme.example", "it-ops@acme.example"]);
    expect(await users({ token: acme }, "globex")).toEqual([]);
    expect(await users({ headers: key })).toEqual(["customer@acme.example", "it-ops@acme.example"]);
    expect(await users({ token: engineer }, "globex")).toEqual(["customer@globex.example"]);
    const noRead = apiKeyHeader((await apiKeysOf(graph).create({ partnerId: "initech", scopes: ["cases:write"] })).key);
    const refused = await graph.request({ query: "{ organizationUsers { id } }", headers: noRead });
    expect(refused.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("keeps each organization's users with the organizations CLI: a user added there can be named, a removed one no longer", async () => {
    expect((await cli("user", "Ops.Lead@Globex.example", "--org", "globex", "--name", "Ops Lead", "--id", "idp|ops-lead")).code).toBe(0);
    expect((await cli("users", "globex")).out).toContainEqual("idp|ops-lead\tops.lead@globex.example\tOps Lead");
    const named = await create({ organizationId: "globex", productProfileId: "globex-server", registrant: { email: "ops.lead@globex.example" } }, { token: engineer });
    expect(named.data!.createCase.case.registrant).toEqual({ id: "idp|ops-lead", name: "Ops Lead", role: "CUSTOMER" });

    expect((await cli("user", "ops.lead@globex.example", "--org", "globex", "--name", "Operations Lead")).out).toEqual(["user ops.lead@globex.example (idp|ops-lead) saved for globex"]);
    expect((await cli("remove-user", "ops.lead@globex.example", "--org", "globex")).code).toBe(0);
    const removed = await create({ organizationId: "globex", productProfileId: "globex-server", registrant: { email: "ops.lead@globex.example" } }, { token: engineer });
    expect(codeOf(removed)).toBe("BAD_USER_INPUT");
    // The case registered before keeps its registrant.
    expect((await graph.request({ query: HISTORY, variables: { id: named.data!.createCase.case.id }, token: engineer })).data!.case.registrant.name).toBe("Ops Lead");

    for (const argv of [
      ["user", "not-an-address", "--org", "globex", "--name", "x"],
      ["user", "x@globex.example", "--org", "nowhere", "--name", "x"],
      ["user", "x@globex.example", "--org", "globex"],
      ["user", "x@globex.example", "--org", "globex", "--name", "x", "--id", "u-acme-customer"],
      ["remove-user", "ghost@globex.example", "--org", "globex"],
    ]) {
      expect((await cli(...argv)).code, argv.join(" ")).toBe(2);
    }
    expect((await cli("users", "globex")).out.join("\n")).not.toContain("x@globex.example");
  });
});
