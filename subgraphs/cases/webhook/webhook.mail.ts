import type { OutgoingMail } from "../notification/mail-transport.js";
import type { WebhookEndpointEntity } from "./webhook.entity.js";

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The e-mail to an endpoint's contact when the dispatcher disabled it after consecutive failures. */
export function disabledEndpointMail(endpoint: WebhookEndpointEntity, from: string): OutgoingMail {
  const at = endpoint.disabledAt ?? new Date();
  const lines = [
    `Your webhook endpoint ${endpoint.url} (id ${endpoint.id}) was disabled at ${at.toISOString()}.`,
    "",
    endpoint.disabledReason ?? "It failed too many deliveries in a row.",
    "",
    "No events are sent to it while it is disabled; deliveries not yet made wait for it.",
    "Once the receiver answers 2xx again, enable it: the GraphQL mutation updateWebhookEndpoint(id, input: { enabled: true }),",
    "or ask your support contact to run: npm run webhook -- enable " + endpoint.id,
    "The delivery log (webhookDeliveries) shows each attempt's status code and error; redeliverWebhook sends one again.",
  ];
  const text = lines.join("\n");
  return {
    // One message per disabling: a repeat (a crash before it was recorded) keeps the same Message-ID.
    id: `webhook-${endpoint.id}-${at.getTime()}`,
    from,
    to: [endpoint.contactEmail],
    cc: [],
    envelopeTo: [endpoint.contactEmail],
    subject: `Webhook endpoint disabled: ${endpoint.url}`,
    text,
    html: `<p>${lines.map(escapeHtml).join("<br>\n")}</p>`,
    headers: { "X-Casegraph-Webhook-Endpoint": endpoint.id, "Auto-Submitted": "auto-generated" },
    label: `webhook_${endpoint.id.slice(0, 8)}_DISABLED`,
    at,
  };
}
