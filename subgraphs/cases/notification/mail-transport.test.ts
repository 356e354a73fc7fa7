import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../kit/env.js";
import { casesConfig } from "../config.js";
import { classifyDeliveryError, createMailTransport } from "./mail-transport.js";

describe("mail configuration", () => {
  it("writes .eml files under data/mail unless SMTP_URL is set", () => {
    const mail = casesConfig({}).mail;
    expect(mail.smtpUrl).toBeUndefined();
    expect(mail.directory).toBe(join("data", "mail"));
    expect(createMailTransport(mail).description).toBe(`.eml files in ${join("data", "mail")}`);
  });

  it("sends over SMTP when SMTP_URL is set, and never logs its credentials", () => {
    const mail = casesConfig({ SMTP_URL: "smtps://mailer:secret@smtp.example.com:465" }).mail;
    const transport = createMailTransport(mail);
    expect(transport.description).toBe("SMTP smtps://smtp.example.com:465");
    transport.close();
  });

  it("refuses a MAIL_FROM or SMTP_URL that is not one, naming the variable", () => {
    expect(() => casesConfig({ MAIL_FROM: "support team" })).toThrow(ConfigError);
    expect(() => casesConfig({ MAIL_FROM: "support team" })).toThrow(/MAIL_FROM/);
    expect(() => casesConfig({ SMTP_URL: "not a url" })).toThrow(/SMTP_URL/);
    expect(casesConfig({ MAIL_FROM: "Help Desk <help@vendor.example>" }).mail.from).toBe("Help Desk <help@vendor.example>");
  });
});

describe("which delivery failures are retried", () => {
  // Shaped as nodemailer reports them (see smtp-connection's _formatError); the e2e tests meet the real ones.
  const smtpError = (responseCode: number, code = "EENVELOPE") => Object.assign(new Error(`${responseCode} reply`), { code, responseCode, permanent: responseCode >= 500 && responseCode !== 503 });

  it("retries 4xx replies, connection errors and timeouts", () => {
    for (const error of [smtpError(421), smtpError(451), smtpError(452), Object.assign(new Error("connect ECONNREFUSED"), { code: "ESOCKET" }), Object.assign(new Error("Timeout"), { code: "ETIMEDOUT" })]) {
      expect(classifyDeliveryError(error).permanent).toBe(false);
    }
  });

  it("gives up at once on 5xx replies, except 503 (a session-state error)", () => {
    expect(classifyDeliveryError(smtpError(550)).permanent).toBe(true);
    expect(classifyDeliveryError(smtpError(554, "EMESSAGE")).permanent).toBe(true);
    expect(classifyDeliveryError(smtpError(503)).permanent).toBe(false);
  });

  it("retries a refused login: the credentials are at fault, not the message", () => {
    expect(classifyDeliveryError(smtpError(535, "EAUTH")).permanent).toBe(false);
  });
});
