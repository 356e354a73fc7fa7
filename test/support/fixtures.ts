/** A valid `CreateCaseInput` for acme; tests spread it and change what they test. */
export const productCase = {
  title: "Agents stop reporting after upgrade",
  description: "Since upgrading to 14.0 the agents on 30 machines no longer report.",
  inquiryType: "PRODUCT",
  problemCategory: "Agent communication",
  productProfileId: "acme-endpoint",
  severity: "MEDIUM",
  contactName: "Aiko Tanaka",
};

export const threatCase = { ...productCase, title: "Suspicious file on a PC", inquiryType: "THREAT", threatCategory: "INFECTION_ANALYSIS" };

export const CREATE_CASE = `mutation Create($input: CreateCaseInput!) { createCase(input: $input) { case { id caseNumber status subStatus version inquiryType threatCategory } } }`;
