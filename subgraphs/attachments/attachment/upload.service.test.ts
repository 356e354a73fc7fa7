import { describe, expect, it } from "vitest";
import { cleanFileName } from "./upload.service.js";

describe("cleanFileName", () => {
  it("keeps the name a client gave, without folders or control characters", () => {
    expect(cleanFileName("C:\\Users\\aiko\\ログ.zip")).toBe("ログ.zip");
    expect(cleanFileName("../../etc/passwd")).toBe("passwd");
    expect(cleanFileName("a\u0000b\r\nc.txt")).toBe("abc.txt");
    expect(cleanFileName("..")).toBe("file");
    expect(cleanFileName(undefined)).toBe("file");
    expect([...cleanFileName("あ".repeat(300))]).toHaveLength(255);
  });

  it("drops bidirectional overrides and isolates, which make a name display as another (invoice\u202Efdp.exe as invoiceexe.pdf)", () => {
    expect(cleanFileName("invoice\u202Efdp.exe")).toBe("invoicefdp.exe");
    expect(cleanFileName("\u2066a\u2069\u200f\u061c.txt\u2028")).toBe("a.txt");
    expect(cleanFileName("\u0085x\u009f.bin")).toBe("x.bin");
    // Joiners stay: emoji sequences and some scripts need them.
    expect(cleanFileName("👩\u200d💻.png")).toBe("👩\u200d💻.png");
  });
});
