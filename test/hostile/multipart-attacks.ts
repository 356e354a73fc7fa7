import { beforeAll, describe, expect, it } from "vitest";
import type { HostileSuite } from "../support/hostile.js";
import { type RawResponse, sendRaw } from "../support/raw-http.js";
import { postMultipart, randomFile, UPLOAD } from "../support/uploads.js";

const BOUNDARY = "hostile-boundary";

/** Multipart parts written by hand, in any order and number a client likes. */
const field = (name: string, value: string) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
const fileHead = (name: string, fileName = "notes.txt") => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="${fileName}"\r\nContent-Type: text/plain\r\n\r\n`;
const file = (name: string, data = "some bytes") => `${fileHead(name)}${data}\r\n`;
const END = `--${BOUNDARY}--\r\n`;

/** The slowloris client: fewer bytes per second than the graph's UPLOAD_MIN_BYTES_PER_SECOND. */
const TRICKLE = { bytes: 16, everyMs: 100, giveUpMs: 60_000 };

/** Multipart requests built to confuse the forwarding and the parser, or to hold the server's resources. */
export function multipartAttacks(current: () => HostileSuite): void {
  describe("multipart requests", () => {
    let suite: HostileSuite;
    let operations: (files: number) => string;
    const mapOf = (count: number) => JSON.stringify(Object.fromEntries(Array.from({ length: count }, (_, i) => [String(i), [`variables.input.files.${i}`]])));

    beforeAll(() => {
      suite = current();
      operations = (files) => JSON.stringify({ query: UPLOAD, variables: { input: { caseId: suite.attacker.productCaseId, files: Array(files).fill(null) } } });
    });

    const head = (length: number | "chunked") => {
      const { host, pathname } = new URL(suite.graph.gatewayUrl);
      return [
        `POST ${pathname} HTTP/1.1`,
        `Host: ${host}`,
        "Connection: close",
        `Content-Type: multipart/form-data; boundary=${BOUNDARY}`,
        `Authorization: Bearer ${suite.attacker.token}`,
        "Apollo-Require-Preflight: true",
        length === "chunked" ? "Transfer-Encoding: chunked" : `Content-Length: ${length}`,
        "",
        "",
      ].join("\r\n");
    };
    /** Sends the parts as one request and reads the answer. */
    const send = (...parts: string[]): Promise<RawResponse> => {
      const body = Buffer.from(parts.join(""));
      return sendRaw(suite.graph.gatewayUrl, (write) => write(Buffer.concat([Buffer.from(head(body.length)), body])));
    };
    const expectRefused = (responses: Record<string, RawResponse>, status: number, code: string) => {
      for (const [shape, response] of Object.entries(responses)) expect([shape, response.status, response.code]).toEqual([shape, status, code]);
    };
    const expectNothingStored = ({ rows, objects, temporaries }: { rows: unknown[]; objects: string[]; temporaries: string[] }) => {
      expect({ rows, objects, temporaries }).toEqual({ rows: [], objects: [], temporaries: [] });
    };

    it("refuses a request without a map (with or without files) and one that sends a file before operations with 400 BAD_REQUEST, and stores nothing", async () => {
      const { result, leftovers } = await suite.underAttack("missing map, file first", async () => ({
        "no map, a file": await send(field("operations", operations(1)), file("0"), END),
        "no map, no file": await send(field("operations", operations(1)), END),
        "no operations either": await send(END),
        "a file before operations": await send(file("0"), field("operations", operations(1)), field("map", mapOf(1)), END),
        "map before operations": await send(field("map", mapOf(1)), field("operations", operations(1)), file("0"), END),
      }));
      expectRefused(result, 400, "BAD_REQUEST");
      expectNothingStored(leftovers);
    });

    it("refuses a map that is not a JSON object of arrays of variables paths with 400 BAD_REQUEST, answers a dangling map (a file never sent) with BAD_USER_INPUT, and stores nothing", async () => {
      const { result, leftovers } = await suite.underAttack("broken and dangling maps", async () => ({
        malformed: {
          "not JSON": await send(field("operations", operations(1)), field("map", "{"), file("0"), END),
          "an array": await send(field("operations", operations(1)), field("map", '[["variables.input.files.0"]]'), file("0"), END),
          "a string path, not an array": await send(field("operations", operations(1)), field("map", '{"0":"variables.input.files.0"}'), file("0"), END),
          "an empty path list": await send(field("operations", operations(1)), field("map", '{"0":[]}'), file("0"), END),
          "a path outside the variables": await send(field("operations", operations(1)), field("map", '{"0":["__proto__.polluted"]}'), file("0"), END),
          "a path to nowhere in the variables": await send(field("operations", operations(1)), field("map", '{"0":["variables.input.nope.7"]}'), file("0"), END),
          "a file the map does not name": await send(field("operations", operations(1)), field("map", '{"1":["variables.input.files.0"]}'), file("0"), END),
        },
        dangling: {
          "the named file never comes": await send(field("operations", operations(1)), field("map", mapOf(1)), END),
          "one of two named files never comes": await send(field("operations", operations(2)), field("map", mapOf(2)), file("0"), END),
        },
      }));
      expectRefused(result.malformed, 400, "BAD_REQUEST");
      for (const [shape, response] of Object.entries(result.dangling)) {
        expect([shape, response.status, JSON.parse(response.body).errors[0].extensions]).toEqual([shape, 200, expect.objectContaining({ code: "BAD_USER_INPUT", field: "files" })]);
      }
      expectNothingStored(leftovers);
    });

    it("refuses duplicate operations, a duplicate map, and a file field sent twice with 400 BAD_REQUEST, and stores nothing", async () => {
      const { result, leftovers } = await suite.underAttack("duplicate fields", async () => ({
        "operations twice": await send(field("operations", operations(1)), field("operations", operations(1)), field("map", mapOf(1)), file("0"), END),
        "map twice": await send(field("operations", operations(1)), field("map", mapOf(1)), field("map", mapOf(1)), file("0"), END),
        "the same file twice": await send(field("operations", operations(1)), field("map", mapOf(1)), file("0", "first"), file("0", "second"), END),
        "an extra field after the files": await send(field("operations", operations(1)), field("map", mapOf(1)), file("0"), field("extra", "x"), END),
      }));
      expectRefused(result, 400, "BAD_REQUEST");
      expectNothingStored(leftovers);
    });

    it("refuses 10,000 parts: extra fields with 400 BAD_REQUEST, file parts or a map of 10,000 files with 413 TOO_MANY_FILES, and stores nothing", async () => {
      const many = Array.from({ length: 10_000 }, (_, i) => i);
      const { result, leftovers } = await suite.underAttack("10,000 parts", async () => ({
        fields: await send(field("operations", operations(1)), field("map", mapOf(1)), file("0"), ...many.map((i) => field(`f${i}`, "v")), END),
        files: await send(field("operations", operations(10_000)), field("map", mapOf(100)), ...many.map((i) => file(String(i))), END),
        map: await send(field("operations", operations(10_000)), field("map", mapOf(10_000)), ...many.map((i) => file(String(i))), END),
        // Within the gateway's part limit, past the attachments subgraph's own: the same contract code.
        "20 files": await send(field("operations", operations(20)), field("map", mapOf(20)), ...many.slice(0, 20).map((i) => file(String(i))), END),
      }));
      expectRefused({ fields: result.fields }, 400, "BAD_REQUEST");
      expectRefused({ files: result.files, map: result.map, "20 files": result["20 files"] }, 413, "TOO_MANY_FILES");
      expectNothingStored(leftovers);
    });

    it("cuts off a slowloris sender with 408 BAD_REQUEST once a rate window passes below the minimum, closes its connection, and removes its temporary file", async () => {
      const { result, leftovers } = await suite.underAttack("slowloris", () =>
        sendRaw(suite.graph.gatewayUrl, async (write) => {
          await write(head("chunked"));
          const chunk = (text: string) => write(`${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`);
          await chunk(field("operations", operations(1)) + field("map", mapOf(1)) + fileHead("0", "slow.bin"));
          // The file then trickles in; the server must end it, so this loop only stops when the socket closes.
          const deadline = Date.now() + TRICKLE.giveUpMs;
          while (Date.now() < deadline) {
            await chunk("x".repeat(TRICKLE.bytes));
            await new Promise((resolve) => setTimeout(resolve, TRICKLE.everyMs));
          }
        }),
      );
      expect([result.status, result.code, result.headers.connection]).toEqual([408, "BAD_REQUEST", "close"]);
      expectNothingStored(leftovers);
    });

    it("keeps nothing of an upload whose client aborts mid-file", async () => {
      const { result, leftovers } = await suite.underAttack("abort mid-file", async () => {
        const chunk = randomFile(256 * 1024);
        let abort: (() => void) | undefined;
        const aborted = postMultipart(suite.graph.gatewayUrl, {
          token: suite.attacker.token,
          input: { caseId: suite.attacker.productCaseId },
          files: [
            {
              name: "dump.bin",
              data: async function* () {
                // Up to 20 MB; the client disappears after 4 MB.
                for (let i = 0; i < 80; i++) {
                  if (i === 16) abort?.();
                  yield chunk;
                }
              },
            },
          ],
          onFileStarted: (_index, abortRequest) => (abort = abortRequest),
        });
        return aborted.then(
          (response) => ({ answered: response.status }),
          (error: Error) => ({ aborted: error.message }),
        );
      });
      expect(result).toHaveProperty("aborted");
      expectNothingStored(leftovers);
    });
  });
}
