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
});
