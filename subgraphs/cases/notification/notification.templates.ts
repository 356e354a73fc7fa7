import type { ActorRole } from "../../kit/actor.js";
import type { CaseSubStatus, Severity } from "../case/case.enums.js";
import { NotificationKind } from "./notification.entity.js";
import { LABELS, type MailLocale, type ThreatRequestLabels } from "./notification.labels.js";

/** What a case e-mail is made from: the outbox row and the case it is about. */
export interface NotificationMailInput {
  kind: NotificationKind;
  /** The outbox row's details: actorName, actorRole, oldValue, newValue, comment, body, automatic. */
  details: Record<string, string | null | undefined>;
  /** When the change happened (the outbox row's creation). */
  at: Date;
  caseNumber: string;
  title: string;
  /** Current severity and inquiry type of the case (the registration mail shows them). */
  severity: string;
  threat: boolean;
  locale: MailLocale;
  caseUrl: string;
}

export interface ComposedMail {
  subject: string;
  text: string;
  html: string;
}

/** The language-neutral shape of a message, rendered once as text and once as (escaped) HTML. */
interface MailContent {
  lang: MailLocale;
  subject: string;
  intro: string;
  facts: [label: string, value: string][];
  quote?: { heading: string; text: string };
  notes: string[];
  link: { label: string; url: string };
  footer: string;
}

/** `<portalUrl>/cases/<caseNumber>`, keeping any path of the portal URL. */
export function caseUrl(portalUrl: string, caseNumber: string): string {
  const base = portalUrl.endsWith("/") ? portalUrl : `${portalUrl}/`;
  return new URL(`cases/${encodeURIComponent(caseNumber)}`, base).toString();
}

/** Subject, plain text and HTML of one case e-mail in the organization's language. */
export function composeNotificationMail(input: NotificationMailInput): ComposedMail {
  const content = describe(input);
  return { subject: content.subject, text: renderText(content), html: renderHtml(content) };
}

function describe(input: NotificationMailInput): MailContent {
  const l = LABELS[input.locale];
  const d = input.details;
  const label = <K extends string>(table: Record<K, string>, value: string | null | undefined) => (value ? (table[value as K] ?? value) : "-");
  const actor = d.actorName ? `${d.actorName} (${label(l.role, d.actorRole as ActorRole)})` : null;
  const title = oneLine(input.title);
  const facts: [string, string][] = [[l.caseNumber, input.caseNumber]];
  let quote: MailContent["quote"];
  const notes: string[] = [];

  switch (input.kind) {
    case NotificationKind.CASE_REGISTERED:
      facts.push([l.title, title], [l.severityField(input.threat), label<Severity>(l.severity, input.severity)]);
      // Registered on the registrant's behalf: say by whom.
      if (d.onBehalf === "true" && actor) facts.push([l.registeredBy, actor]);
      break;
    case NotificationKind.SUB_STATUS_CHANGED:
      facts.push([l.before, label<CaseSubStatus>(l.subStatus, d.oldValue)], [l.after, label<CaseSubStatus>(l.subStatus, d.newValue)]);
      break;
    case NotificationKind.SEVERITY_CHANGED:
      facts.push([`${l.severityField(input.threat)} (${l.before})`, label<Severity>(l.severity, d.oldValue)]);
      facts.push([`${l.severityField(input.threat)} (${l.after})`, label<Severity>(l.severity, d.newValue)]);
      break;
    case NotificationKind.CASE_UPDATED:
    case NotificationKind.CASE_REOPENED:
      if (d.body) quote = { heading: l.updateBy(d.actorName ?? "-", label(l.role, d.actorRole as ActorRole)), text: d.body };
      break;
    case NotificationKind.CASE_CLOSED:
      facts.push([l.closingReason, label<CaseSubStatus>(l.subStatus, d.newValue)]);
      if (d.automatic === "true") notes.push(l.autoClosed);
      notes.push(l.reopenHint);
      break;
    case NotificationKind.THREAT_REQUEST_MADE:
    case NotificationKind.THREAT_REQUEST_STARTED:
    case NotificationKind.THREAT_REQUEST_ANSWERED:
      quote = describeThreatRequest(input.kind, d, l.threatRequest, input.locale, facts, actor);
      break;
  }
  if (d.comment) facts.push([l.comment, d.comment]);
  // The update heading names the author; the registrant needs no "changed by"; automatic closes have no person.
  const actorImplied = quote !== undefined || input.kind === NotificationKind.CASE_REGISTERED || d.automatic === "true" || THREAT_REQUEST_KINDS.includes(input.kind);
  if (actor && !actorImplied) facts.push([l.changedBy, actor]);
  facts.push([l.changedAt, l.formatDate(input.at)]);

  const separator = input.locale === "ja" ? "：" : ": ";
  const severityChanged = input.kind === NotificationKind.SEVERITY_CHANGED ? l.severityChanged(input.threat, input.caseNumber, title) : undefined;
  return {
    lang: input.locale,
    subject: `[${input.caseNumber}] ${severityChanged?.headline ?? l.headline[input.kind] ?? input.kind}${separator}${title}`,
    intro: severityChanged?.intro ?? l.intro(input.kind, input.caseNumber, title),
    facts,
    quote,
    notes,
    link: { label: l.openCase, url: input.caseUrl },
    footer: l.footer,
  };
}

const THREAT_REQUEST_KINDS: readonly NotificationKind[] = [NotificationKind.THREAT_REQUEST_MADE, NotificationKind.THREAT_REQUEST_STARTED, NotificationKind.THREAT_REQUEST_ANSWERED];

/**
 * A request on a threat analysis result: what was asked (action, subject; the comment follows as
 * every mail's comment) and, once answered, the state, the outcome and the response (quoted).
 */
function describeThreatRequest(kind: NotificationKind, d: NotificationMailInput["details"], t: ThreatRequestLabels, locale: MailLocale, facts: [string, string][], actor: string | null): MailContent["quote"] {
  // The threat-analysis subgraph sends its own words for its enums with the activity (`actionLabel.ja`, ...).
  facts.push([t.request, d.action ? (d[`actionLabel.${locale}`] ?? d.action) : "-"], [t.subject, d.subjectName ?? "-"]);
  if (actor) facts.push([kind === NotificationKind.THREAT_REQUEST_MADE ? t.requestedBy : t.handledBy, actor]);
  const state = kind === NotificationKind.THREAT_REQUEST_MADE ? "SUBMITTED" : kind === NotificationKind.THREAT_REQUEST_STARTED ? "IN_PROGRESS" : d.state;
  if (state) facts.push([t.state, d[`stateLabel.${locale}`] ?? state]);
  if (kind !== NotificationKind.THREAT_REQUEST_ANSWERED) return undefined;
  if (d.outcome) facts.push([t.outcome, d.outcome]);
  return d.response ? { heading: t.response, text: d.response } : undefined;
}

function renderText(c: MailContent): string {
  const lines = [c.intro, ""];
  for (const [label, value] of c.facts) lines.push(`${label}: ${value.replace(/\r?\n/g, "\n  ")}`);
  if (c.quote) lines.push("", `${c.quote.heading}:`, ...c.quote.text.split(/\r?\n/).map((line) => `> ${line}`));
  if (c.notes.length) lines.push("", ...c.notes);
  lines.push("", `${c.link.label}:`, c.link.url, "", "--", c.footer, "");
  return lines.join("\n");
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Every text that reaches the HTML part goes through this: titles, update bodies and names are user input. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);
}

function renderHtml(c: MailContent): string {
  const e = escapeHtml;
  const rows = c.facts
    .map(
      ([label, value]) => `<tr><th style="text-align:left;padding:4px 12px 4px 0;color:#57606a;font-weight:normal;vertical-align:top">${e(label)}</th><td style="padding:4px 0;white-space:pre-wrap">${e(value)}</td></tr>`,
    )
    .join("\n");
  const quote = c.quote
    ? `<p style="margin:16px 0 4px"><strong>${e(c.quote.heading)}</strong></p>\n<blockquote style="margin:0;padding:8px 12px;border-left:3px solid #d0d7de;white-space:pre-wrap">${e(c.quote.text)}</blockquote>`
    : "";
  const notes = c.notes.map((note) => `<p>${e(note)}</p>`).join("\n");
  return `<!doctype html>
<html lang="${c.lang}">
<head><meta charset="utf-8"><title>${e(c.subject)}</title></head>
<body style="font-family:sans-serif;line-height:1.6;color:#1f2328">
<p>${e(c.intro)}</p>
<table style="border-collapse:collapse">
${rows}
</table>
${quote}
${notes}
<p><a href="${e(c.link.url)}">${e(c.link.label)}</a></p>
<p style="color:#57606a;font-size:12px">${e(c.footer)}</p>
</body>
</html>
`;
}

/** Subjects are one line: a title with line breaks or control characters must not shape headers. */
function oneLine(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
}
