import { beforeAll, describe, expect, it } from "vitest";
import type { GraphQLResponse } from "../support/graph.js";
import type { HostileSuite } from "../support/hostile.js";
import { deflated, endRecordOffset, manyEmptyEntries, nestedBomb, overlappingEntries, zeros, zipArchive } from "../support/hostile-zips.js";
import { sendRaw } from "../support/raw-http.js";
import { type ClientFile, encryptedZip, postMultipart, UPLOAD } from "../support/uploads.js";

const PASSWORD = "virus";

/** One request after the other: the attacker's uploads in flight at once are capped (MAX_CONCURRENT_UPLOADS_PER_PRINCIPAL). */
async function inSequence<T>(requests: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = [];
  for (const request of requests) results.push(await request());
  return results;
}

/** The first error's extensions, or undefined when the upload was taken. */
const refusalOf = (response: GraphQLResponse) => response.errors?.[0]?.extensions;

/** Characters a stored file name must never carry (controls, bidi overrides, folders). */
const UNSAFE_NAME = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069/\\]/;

/** Archives built to exhaust whatever inspects them, and hostile names, uploaded to threat and product cases. */
export function archiveAttacks(current: () => HostileSuite): void {
  describe("archives", () => {
    let suite: HostileSuite;
    let sample: Buffer;
    beforeAll(async () => {
      suite = current();
      sample = await encryptedZip(PASSWORD);
    });

    const uploadTo = (caseId: string, ...files: ClientFile[]) => postMultipart(suite.graph.gatewayUrl, { token: suite.attacker.token, input: { caseId }, files });
    const toThreat = (...files: ClientFile[]) => uploadTo(suite.attacker.threatCaseId, ...files);
    const toProduct = (...files: ClientFile[]) => uploadTo(suite.attacker.productCaseId, ...files);
    const expectNothingStored = ({ rows, objects, temporaries }: { rows: unknown[]; objects: string[]; temporaries: string[] }) => {
      expect({ rows, objects, temporaries }).toEqual({ rows: [], objects: [], temporaries: [] });
    };
    const expectArchiveRefused = (response: GraphQLResponse, fileName: string, reason: string) => {
      expect([response.status, refusalOf(response)]).toEqual([200, expect.objectContaining({ code: "BAD_USER_INPUT", field: "files", reason, fileName })]);
      expect(response.errors![0]!.message).toContain(fileName);
    };
    /** The ids the attack stored, checked against what it uploaded and was told. */
    const storedIds = (responses: GraphQLResponse[]) => responses.flatMap((response) => response.data?.uploadAttachments?.attachments.map((a: { id: string }) => a.id) ?? []);

    it("refuses on a THREAT case a ZIP64 archive of 300,000 empty entries (27 MB) with BAD_USER_INPUT naming the file and too_many_entries, unparsed, and stores nothing", async () => {
      const archive = manyEmptyEntries(300_000, { localHeaders: true });
      const { result, leftovers } = await suite.underAttack("300,000-entry ZIP64 to THREAT", () => toThreat({ name: "entries-300k.zip", data: archive }));
      expectArchiveRefused(result, "entries-300k.zip", "too_many_entries");
      expectNothingStored(leftovers);
    });

    it("refuses on a THREAT case a ZIP64 archive declaring 1,000,000 entries (47 MB), next to a good archive, with BAD_USER_INPUT naming the file, and stores neither", async () => {
      const archive = manyEmptyEntries(1_000_000, { localHeaders: false });
      const { result, leftovers, attackMs } = await suite.underAttack("1,000,000-entry ZIP64 to THREAT", () => toThreat({ name: "sample.zip", data: sample }, { name: "entries-1m.zip", data: archive }));
      expectArchiveRefused(result, "entries-1m.zip", "too_many_entries");
      expectNothingStored(leftovers);
      console.log(`hostile input on ${suite.graph.database}: the 47 MB archive of 1,000,000 entries was refused ${attackMs.toFixed(0)} ms after its upload started`);
    });

    it("stores the many-entries archives uploaded to a PRODUCT case, or staged for an organization, as files (never parsed for a product case; refused by the pre-check, recorded as not encrypted, for an organization)", async () => {
      const files = [
        { name: "entries-300k.zip", data: manyEmptyEntries(300_000, { localHeaders: true }) },
        { name: "entries-1m.zip", data: manyEmptyEntries(1_000_000, { localHeaders: false }) },
      ];
      const { result, leftovers } = await suite.underAttack("many-entry ZIP64 to PRODUCT and organization", async () => [
        await toProduct(...files),
        await postMultipart(suite.graph.gatewayUrl, { token: suite.attacker.token, input: { organizationId: "acme" }, files: [files[1]!] }),
      ]);
      for (const response of result) expect(response.errors).toBeUndefined();
      expect(leftovers.rows.map((row) => [row.fileName, row.size]).sort()).toEqual([...files, files[1]!].map((file) => [file.name, file.data.length]).sort());
      expect(leftovers.objects.sort()).toEqual(storedIds(result).sort());
      expect(leftovers.temporaries).toEqual([]);
    });

    it("accepts on a THREAT case a 42.zip-style nested bomb (16^4 x 16 MB of zeros) and a 4 GB zeros bomb, encrypted with virus (nothing is ever extracted), and refuses the same bombs unencrypted with ENCRYPTED_ZIP_REQUIRED", async () => {
      const nested = nestedBomb({ levels: 4, width: 16, zeroBytes: 16 << 20, password: PASSWORD });
      const flat = Array.from({ length: 64 }, (_, i) => zeros(`zeros-${i}.bin`, 64 << 20));
      const { result, leftovers } = await suite.underAttack("zip bombs to THREAT", async () => ({
        encrypted: await toThreat({ name: "42-style.zip", data: nested }, { name: "zeros-4gb.zip", data: zipArchive(flat, { password: PASSWORD }) }),
        plainNested: await toThreat({ name: "42-plain.zip", data: nestedBomb({ levels: 4, width: 16, zeroBytes: 16 << 20 }) }),
        plainFlat: await toThreat({ name: "zeros-plain.zip", data: zipArchive(flat) }),
      }));
      expect(result.encrypted.errors).toBeUndefined();
      for (const response of [result.plainNested, result.plainFlat]) expect(refusalOf(response)).toMatchObject({ code: "ENCRYPTED_ZIP_REQUIRED", field: "files" });
      expect(leftovers.rows.map((row) => row.fileName).sort()).toEqual(["42-style.zip", "zeros-4gb.zip"]);
      expect(leftovers.objects.sort()).toEqual(storedIds([result.encrypted]).sort());
    });

    it("refuses on a THREAT case truncated or corrupt central directories (BAD_USER_INPUT with the reason when the end records or the entry records say so, else ENCRYPTED_ZIP_REQUIRED), stores nothing, and takes them as plain files on a PRODUCT case", async () => {
      const good = zipArchive([deflated("sample.exe", Buffer.alloc(4096, 7)), deflated("notes.txt", Buffer.from("notes"))], { password: PASSWORD });
      const end = endRecordOffset(good);
      const directoryOffset = good.readUInt32LE(end + 16);
      const patched = (write: (copy: Buffer) => void) => {
        const copy = Buffer.from(good);
        write(copy);
        return copy;
      };
      // A ZIP64 locator (before the end record) whose record offset is the locator's own.
      const selfLocator = Buffer.alloc(20);
      selfLocator.writeUInt32LE(0x07064b50, 0);
      selfLocator.writeBigUInt64LE(BigInt(end), 8);
      selfLocator.writeUInt32LE(1, 16);
      const corrupt: Record<string, { data: Buffer; expected: { code: string; reason?: string } }> = {
        "end record cut short": { data: good.subarray(0, good.length - 10), expected: { code: "BAD_USER_INPUT", reason: "malformed_archive" } },
        "cut inside the directory": { data: good.subarray(0, directoryOffset + 20), expected: { code: "ENCRYPTED_ZIP_REQUIRED" } },
        "directory offset past the end": { data: patched((c) => c.writeUInt32LE(good.length + 1_000, end + 16)), expected: { code: "BAD_USER_INPUT", reason: "malformed_archive" } },
        "directory size of 4 GB": { data: patched((c) => c.writeUInt32LE(0xfffffff0, end + 12)), expected: { code: "BAD_USER_INPUT", reason: "central_directory_too_large" } },
        "more entries than the directory holds": { data: patched((c) => (c.writeUInt16LE(9, end + 8), c.writeUInt16LE(9, end + 10))), expected: { code: "BAD_USER_INPUT", reason: "malformed_archive" } },
        // Within consistent end records, so the pre-check passes it; the worker finds the record running past the directory.
        "a name length running past the end": { data: patched((c) => c.writeUInt16LE(0xffff, directoryOffset + 28)), expected: { code: "BAD_USER_INPUT", reason: "malformed_archive" } },
        "a ZIP64 locator pointing at itself": { data: Buffer.concat([good.subarray(0, end), selfLocator, good.subarray(end)]), expected: { code: "BAD_USER_INPUT", reason: "malformed_archive" } },
      };
      const names = Object.keys(corrupt);
      const { result, leftovers } = await suite.underAttack("corrupt central directories", async () => ({
        threat: await inSequence(names.map((name, i) => () => toThreat({ name: `corrupt-${i}.zip`, data: corrupt[name]!.data }))),
        product: await toProduct(...names.slice(0, 3).map((name, i) => ({ name: `corrupt-${i}.zip`, data: corrupt[name]!.data }))),
      }));
      names.forEach((name, i) => {
        const { code, reason } = corrupt[name]!.expected;
        expect([name, refusalOf(result.threat[i]!)]).toEqual([name, expect.objectContaining({ code, field: "files", ...(reason ? { reason, fileName: `corrupt-${i}.zip` } : {}) })]);
      });
      expect(result.product.errors).toBeUndefined();
      expect(leftovers.rows.map((row) => row.fileName).sort()).toEqual(["corrupt-0.zip", "corrupt-1.zip", "corrupt-2.zip"]);
    });

    it("refuses on a THREAT case, with BAD_USER_INPUT naming the file and malformed_archive, an archive encrypted with virus whose 1,000 entries overlap on one deflated kernel, and stores nothing", async () => {
      const { result, leftovers } = await suite.underAttack("overlapping entries to THREAT", async () => [
        await toThreat({ name: "overlap-same.zip", data: overlappingEntries(1_000, { password: PASSWORD, kernelBytes: 16 << 20 }) }),
        await toThreat({ name: "overlap-into.zip", data: overlappingEntries(1_000, { password: PASSWORD, kernelBytes: 16 << 20, into: true }) }),
      ]);
      expectArchiveRefused(result[0]!, "overlap-same.zip", "malformed_archive");
      expectArchiveRefused(result[1]!, "overlap-into.zip", "malformed_archive");
      expect(result[0]!.errors![0]!.message).toContain("overlap");
      expectNothingStored(leftovers);
    });

    it("accepts on a THREAT case encrypted archives whose entry names are odd but stay inside a folder (RTL override, not UTF-8, 1,000 characters): nothing is extracted, the stored name is the upload's", async () => {
      const content = Buffer.from("MZ sample");
      const entryNames: (string | Buffer)[] = ["invoice\u202Efdp.exe", Buffer.from([0xff, 0xfe, 0x2e, 0x65, 0x78, 0x65]), "x".repeat(1_000)];
      const { result, leftovers } = await suite.underAttack("odd entry names to THREAT", () =>
        inSequence(entryNames.map((name, i) => () => toThreat({ name: `names-${i}.zip`, data: zipArchive([deflated(name, content)], { password: PASSWORD }) }))),
      );
      for (const response of result) expect(response.errors).toBeUndefined();
      expect(leftovers.rows.map((row) => row.fileName).sort()).toEqual(entryNames.map((_, i) => `names-${i}.zip`));
    });

    it("refuses on a THREAT case encrypted archives with entry names that would land outside an extraction folder (../, absolute, drive letter, NUL) with BAD_USER_INPUT naming the file and unsafe_entry_name, and stores nothing", async () => {
      const content = Buffer.from("MZ sample");
      const entryNames = ["../../../../etc/cron.d/evil", "/etc/passwd", "C:\\Windows\\System32\\evil.dll", "a\u0000b.exe", "docs/../../escape.txt"];
      const { result, leftovers } = await suite.underAttack("escaping entry names to THREAT", () =>
        inSequence(entryNames.map((name, i) => () => toThreat({ name: `escape-${i}.zip`, data: zipArchive([deflated(name, content)], { password: PASSWORD }) }))),
      );
      result.forEach((response, i) => {
        expect([entryNames[i], refusalOf(response)]).toEqual([entryNames[i], expect.objectContaining({ code: "BAD_USER_INPUT", field: "files", reason: "unsafe_entry_name", fileName: `escape-${i}.zip` })]);
        expect(response.errors![0]!.message).toBe(`escape-${i}.zip was refused: it has an entry whose name is unsafe to extract (a parent folder, an absolute path, a drive letter, NUL or an empty or . part)`);
      });
      expectNothingStored(leftovers);
    });

    it("stores hostile upload file names cleaned: no folders, controls, NUL or bidi overrides, invalid UTF-8 as U+FFFD, at most 255 characters", async () => {
      const named = (name: string) => ({ name, data: sample });
      const hostileNames = ["../../etc/passwd.zip", "C:\\Users\\x\\..\\evil.zip", "/abs/path.zip", "a\u0000b.zip", "invoice\u202Efdp.zip", `${"y".repeat(1_000)}.zip`, "\u2066\u200f.zip"];
      const rawName = Buffer.concat([Buffer.from("bad-"), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(".zip")]);
      const { result, leftovers } = await suite.underAttack("hostile upload file names", async () => ({
        named: await inSequence(hostileNames.map((name) => () => toThreat(named(name)))),
        raw: await sendRaw(suite.graph.gatewayUrl, (write) => {
          const boundary = "raw-name";
          const body = Buffer.concat([
            Buffer.from(
              `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${JSON.stringify({ query: UPLOAD, variables: { input: { caseId: suite.attacker.threatCaseId, files: [null] } } })}\r\n` +
                `--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.input.files.0"]}\r\n--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="`,
            ),
            rawName,
            Buffer.from('"\r\nContent-Type: application/zip\r\n\r\n'),
            sample,
            Buffer.from(`\r\n--${boundary}--\r\n`),
          ]);
          const { host, pathname } = new URL(suite.graph.gatewayUrl);
          const head = `POST ${pathname} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nAuthorization: Bearer ${suite.attacker.token}\r\nApollo-Require-Preflight: true\r\nContent-Length: ${body.length}\r\n\r\n`;
          return write(Buffer.concat([Buffer.from(head), body]));
        }),
      }));
      const stored = [...result.named.map((response) => response.data?.uploadAttachments?.attachments[0]?.fileName), JSON.parse(result.raw.body).data?.uploadAttachments?.attachments[0]?.fileName];
      expect(stored).toEqual(["passwd.zip", "evil.zip", "path.zip", "ab.zip", "invoicefdp.zip", `${"y".repeat(255)}`, ".zip", "bad-\uFFFD\uFFFD\uFFFD.zip"]);
      for (const name of stored) expect(name).not.toMatch(UNSAFE_NAME);
      expect(leftovers.rows.map((row) => row.fileName).sort()).toEqual([...stored].sort());
    });
  });
}
