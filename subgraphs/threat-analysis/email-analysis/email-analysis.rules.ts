import { badInput } from "../../kit/errors.js";

/** A SHA-1 as recorded: 40 hexadecimal digits, lower case (BAD_USER_INPUT on `field` otherwise). */
export function sha1Of(value: string, field = "sha1"): string {
  const sha1 = value.trim().toLowerCase();
  if (!/^[0-9a-f]{40}$/.test(sha1)) throw badInput(field, `${field} must be 40 hexadecimal digits`);
  return sha1;
}

/** How the case's history names a file of an e-mail. */
export function emailFileLabel(emailName: string, fileName: string): string {
  return `${fileName} (${emailName})`;
}
