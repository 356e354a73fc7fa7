import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

/** A message as the SMTP server received it: the envelope, and the raw message. */
export interface ReceivedMail {
  from: string;
  to: string[];
  /** The authenticated user, when the client logged in. */
  user?: string;
  raw: string;
  /** A header's value, unfolded and with encoded words (`=?UTF-8?B?...?=`) decoded. */
  header(name: string): string | undefined;
  /** The decoded body of the first part of this type (`text/plain`, `text/html`). */
  part(type: string): string | undefined;
}

export interface SmtpSink {
  /** `smtp://[user:pass@]127.0.0.1:<port>` for `SMTP_URL`. */
  url: string;
  messages: ReceivedMail[];
  /** MAIL FROM commands seen, refused ones included. */
  attempts: number;
  stop(): Promise<void>;
}

export interface SmtpSinkOptions {
  /** Require this login (over plain text, it is a test). */
  auth?: { user: string; pass: string };
  /** Refuse the n-th MAIL FROM (1-based) with this reply, e.g. `{ code: 451, message: "try later" }`. */
  refuse?: (attempt: number) => { code: number; message: string } | null;
  /** Refuse this recipient (RCPT TO) with this reply, accepting the others. */
  refuseRecipient?: (address: string) => { code: number; message: string } | null;
  /** Awaited before each message is accepted: a test holds the client mid-send with it. */
  beforeAccept?: () => Promise<void>;
}

/** A real SMTP server on localhost (the `smtp-server` package) that keeps what it receives. */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  let attempts = 0;
  const server = new SMTPServer({
    logger: false,
    disabledCommands: options.auth ? ["STARTTLS"] : ["STARTTLS", "AUTH"],
    authOptional: !options.auth,
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      if (auth.username === options.auth?.user && auth.password === options.auth?.pass) return callback(null, { user: auth.username });
      callback(Object.assign(new Error("Invalid username or password"), { responseCode: 535 }));
    },
    onMailFrom(_address, _session, callback) {
      attempts++;
      const refusal = options.refuse?.(attempts);
      if (refusal) return callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
      callback();
    },
    onRcptTo(address, _session, callback) {
      const refusal = options.refuseRecipient?.(address.address);
      if (refusal) return callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      const accept = async () => {
        await options.beforeAccept?.();
        const raw = Buffer.concat(chunks).toString("utf8");
        const mailFrom = session.envelope.mailFrom;
        messages.push({
          from: mailFrom ? mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          user: typeof session.user === "string" ? session.user : undefined,
          raw,
          header: (name) => headerOf(raw, name),
          part: (type) => partOf(raw, type),
        });
      };
      // A failing beforeAccept refuses the message instead of leaving an unhandled rejection.
      stream.on("end", () => {
        accept().then(
          () => callback(),
          (error: Error) => callback(error),
        );
      });
    },
  });
  // A sender that goes away mid-session (a service killed while it sends) resets its connection: smtp-server
  // reports that as an "error" event, which without a listener would be thrown from the test's process.
  server.on("error", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = (server as unknown as { server: { address(): AddressInfo } }).server.address();
  const credentials = options.auth ? `${encodeURIComponent(options.auth.user)}:${encodeURIComponent(options.auth.pass)}@` : "";
  return {
    url: `smtp://${credentials}127.0.0.1:${port}`,
    messages,
    get attempts() {
      return attempts;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A header of a raw message (the first one with that name), unfolded and decoded. */
export function headerOf(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/, 1)[0]!.replace(/\r?\n[ \t]+/g, " ");
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line === undefined ? undefined : decodeWords(line.slice(name.length + 1).trim());
}

/** RFC 2047 encoded words, UTF-8 only (what nodemailer writes). */
function decodeWords(value: string): string {
  return value.replace(/\?=\s+=\?/g, "?==?").replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_, encoding: string, text: string) =>
    encoding.toLowerCase() === "b"
      ? Buffer.from(text, "base64").toString("utf8")
      : Buffer.from(
          text.replace(/_/g, " ").replace(/=([0-9a-f]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
          "latin1",
        ).toString("utf8"),
  );
}

/** The decoded body of the first MIME part of `type` in a raw message (multipart/alternative or single part). */
export function partOf(raw: string, type: string): string | undefined {
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(headerOf(raw, "Content-Type") ?? "")?.[1];
  const parts = boundary ? raw.split(`--${boundary}`).slice(1, -1) : [raw];
  for (const part of parts) {
    const source = part.replace(/^\r?\n/, "");
    if (!(headerOf(source, "Content-Type") ?? "text/plain").toLowerCase().startsWith(type)) continue;
    const body = source.slice(source.search(/\r?\n\r?\n/)).replace(/^\r?\n\r?\n/, "");
    const encoding = (headerOf(source, "Content-Transfer-Encoding") ?? "7bit").toLowerCase();
    if (encoding === "base64") return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
    if (encoding === "quoted-printable") {
      const bytes = body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
      return Buffer.from(bytes, "latin1").toString("utf8");
    }
    return body;
  }
  return undefined;
}
