/** What every `CreateCaseInput` of acme has, whatever its inquiry type. */
const acmeCase = {
  description: "Since upgrading to 14.0 the agents on 30 machines no longer report.",
  productProfileId: "acme-endpoint",
  severity: "MEDIUM",
  contactName: "Aiko Tanaka",
};

/** A valid `CreateCaseInput` for acme; tests spread it and change what they test. */
export const productCase = { ...acmeCase, title: "Agents stop reporting after upgrade", inquiryType: "PRODUCT", problemCategory: "MALFUNCTION" };

/** A threat case gives its threat category, which is its problem category too (one fact). */
export const threatCase = { ...acmeCase, title: "Suspicious file on a PC", inquiryType: "THREAT", threatCategory: "INFECTION_ANALYSIS" };

export const CREATE_CASE = `mutation Create($input: CreateCaseInput!) { createCase(input: $input) { case { id caseNumber status subStatus version inquiryType threatCategory } } }`;
