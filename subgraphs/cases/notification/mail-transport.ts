import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createTransport } from "nodemailer";
import { withSpan } from "../../kit/telemetry/tracing.js";
import type { MailConfig } from "../config.js";

/** One message, ready to leave: the dispatcher decides everything, the transport only carries it. */
export interface OutgoingMail {
  /** Outbox row id: the Message-ID (so receivers can drop a rare duplicate) and the file name derive from it. */
  id: string;
  from: string;
  to: string[];
  cc: string[];
  /** The SMTP envelope: exactly these addresses receive the message, whatever the headers say. */
  envelopeTo: string[];
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  /** Readable part of the `.eml` file name, e.g. `C-2026-000123_CASE_UPDATED`. */
  label: string;
  /** When the change happened; `.eml` files sort by it. */
  at: Date;
}

export interface DeliveryReport {
  /** Recipients the server refused while accepting others (the message went to the rest). */
  rejected: string[];
  rejectedReason?: string;
}

export interface MailTransport {
  /** Where mail goes, without credentials, for the start-up log. */
  readonly description: string;
  deliver(mail: OutgoingMail): Promise<DeliveryReport>;
  close(): void;
}

/** Sends over SMTP when `smtpUrl` is set, otherwise writes `.eml` files a newcomer can open. */
export function createMailTransport(config: Pick<MailConfig, "smtpUrl" | "directory">): MailTransport {
  return withDeliverySpans(config.smtpUrl ? smtpTransport(config.smtpUrl) : emlFileTransport(config.directory), config.smtpUrl);
}

/**
 * A span per message sent (`mail.send`, a root span of its own: the dispatcher runs on a timer, not in a
 * request): the outbox row id, the transport (`smtp` with the server's host and port, or `eml`), the number of
 * envelope recipients and of those the server refused; a failed delivery marks the span failed.
 */
export function withDeliverySpans(transport: MailTransport, smtpUrl?: string): MailTransport {
  const server = smtpUrl ? new URL(smtpUrl) : undefined;
  const attributes = server
    ? { "casegraph.mail.transport": "smtp", "server.address": server.hostname, "server.port": Number(server.port || (server.protocol === "smtps:" ? 465 : 587)) }
    : { "casegraph.mail.transport": "eml" };
  return {
    description: transport.description,
    deliver: (mail) =>
      withSpan(
        "mail.send",
        { ...attributes, "casegraph.mail.id": mail.id, "casegraph.mail.recipients": mail.envelopeTo.length },
        () => transport.deliver(mail),
        (report) => ({ "casegraph.mail.rejected": report.rejected.length }),
      ),
    close: () => transport.close(),
  };
}

/**
 * SMTP through nodemailer: host, port, TLS (`smtps://` = implicit TLS, `smtp://` = STARTTLS when the
 * server offers it, `?requireTLS=true` to insist) and auth (`user:pass@`) come from the URL; so do
 * `?pool=true` and timeouts, which override the defaults below.
 */
export function smtpTransport(url: string): MailTransport {
  const transporter = createTransport({ url, connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 60_000 });
  const parsed = new URL(url);
  return {
    description: `SMTP ${parsed.protocol}//${parsed.host}`,
    async deliver(mail) {
      const info = await transporter.sendMail(toNodemailer(mail));
      const rejected = info.rejected ?? [];
      const reason = info.rejectedErrors?.map((error) => error.message).join("; ");
      return { rejected, rejectedReason: reason || undefined };
    },
    close: () => transporter.close(),
  };
}

/** The embedded default: each message is written whole to `<directory>/<time>_<case>_<kind>_<id>.eml`. */
export function emlFileTransport(directory: string): MailTransport {
  const composer = createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  return {
    description: `.eml files in ${directory}`,
    async deliver(mail) {
      const info = await composer.sendMail(toNodemailer(mail));
      await mkdir(directory, { recursive: true });
      const name = `${fileStamp(mail.at)}_${mail.label.replace(/[^A-Za-z0-9_-]+/g, "-")}_${mail.id.slice(0, 8)}.eml`;
      // Written under a temporary name and renamed, so nobody opens half a message.
      const partial = join(directory, `.${name}.partial`);
      await writeFile(partial, info.message as Buffer);
      await rename(partial, join(directory, name));
      return { rejected: [] };
    },
    close: () => composer.close(),
  };
}

function toNodemailer(mail: OutgoingMail) {
  return {
    from: mail.from,
    to: mail.to,
    cc: mail.cc.length ? mail.cc : undefined,
    envelope: { from: mail.from, to: mail.envelopeTo },
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    headers: mail.headers,
    messageId: `<${mail.id}@${domainOf(mail.from)}>`,
    date: mail.at,
  };
}

function domainOf(from: string): string {
  return /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? "casegraph.invalid";
}

/** `20261125T213012.345Z`: sortable, and legal in file names everywhere. */
function fileStamp(at: Date): string {
  return at.toISOString().replace(/[-:]/g, "");
}

/** How a failed delivery should be treated: retried later, or given up at once. */
export interface DeliveryFailure {
  permanent: boolean;
  message: string;
}

/**
 * A 5xx reply refuses this message for good (nodemailer's `permanent`, which leaves out 503, a
 * session-state error). 4xx replies, timeouts and connection errors pass. Authentication and
 * configuration errors are not the message's fault: they are retried (until the attempts run out)
 * so that fixing the credentials delivers the backlog.
 */
export function classifyDeliveryError(error: unknown): DeliveryFailure {
  const e = error as { message?: string; code?: string; responseCode?: number; permanent?: boolean };
  const message = (e?.message ?? String(error)).slice(0, 1000);
  const transportLevel = e?.code === "EAUTH" || e?.code === "ENOAUTH" || e?.code === "ECONFIG";
  return { permanent: e?.permanent === true && !transportLevel, message };
}
