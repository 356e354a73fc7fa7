/** A file of the demo story: threat cases get it as a ZIP encrypted with the password `virus`. */
export interface DemoFile {
  name: string;
  content: string;
}

/** One thing that happens to a demo case. Engineers move sub-statuses and record analysis results; results need an open case. */
export type DemoStep =
  | { subStatus: string; comment?: string }
  /** A case update; with `files`, they are uploaded first and attached by the update (the portal's "drag files, then Update case"). */
  | { update: string; by: string; reopen?: boolean; files?: DemoFile[] }
  | { close: string }
  /** Files (by name, attached before), URLs, e-mail archives (whose .eml files become e-mail results) and ATTK archives handed to threat analysis. */
  | { submit: { files?: string[]; urls?: string[]; emails?: string[]; attkLogs?: string[] }; by: string }
  | { fileVerdict: string; verdict: string; detectionName?: string; patternVersion?: string }
  | { urlRating: string; rating: string; category?: string }
  | { emailVerdict: string; verdict: string }
  /** The result of a file attached to an e-mail of the case (found by the e-mail's name). */
  | { emailFile: string; fileName: string; sha1: string; verdict: string; detectionName?: string; patternVersion?: string }
  | { attkFile: string; collected: boolean }
  /** A customer's request on a file or ATTK result, found by its file name. */
  | { request: { file?: string; attk?: string }; action: string; comment?: string; by: string }
  /** An engineer starts the open request for `action` on that result (SUBMITTED → IN_PROGRESS). */
  | { startRequest: { file?: string; attk?: string }; action: string }
  /** An engineer answers the open request for `action` on that result: DONE with the action's outcome, or REJECTED. */
  | { answerRequest: { file?: string; attk?: string }; action: string; state: "DONE" | "REJECTED"; response: string; outcome?: Record<string, unknown> };

export interface DemoCase {
  /**
   * Who registers it: the customer; initech's staff for acme, or an engineer, with `organizationId`
   * (and, on the customer's behalf, `registrant: { email }` of a user of the organization).
   */
  as: string;
  input: Record<string, unknown>;
  steps?: DemoStep[];
}

export const ACME = "customer@acme.example";
export const GLOBEX = "customer@globex.example";
export const INITECH = "staff@initech.example";
export const ENGINEER = "engineer@support.example";

/** What every demo case of acme has; `extra` changes it. */
function registration(title: string, severity: string, extra: Record<string, unknown>): Record<string, unknown> {
  return { title, description: `${title}. Details and logs follow in the updates.`, severity, contactName: "Aiko Tanaka", productProfileId: "acme-endpoint", ...extra };
}

/** A product case; `problemCategory` is an id of `problemCategories(inquiryType: PRODUCT)`. */
function product(problemCategory: string, title: string, severity: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return registration(title, severity, { inquiryType: "PRODUCT", problemCategory, ...extra });
}

/** A threat case: its threat category is its problem category too, so it gives only the one. */
function threat(threatCategory: string, title: string, severity: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return registration(title, severity, { inquiryType: "THREAT", threatCategory, ...extra });
}

/** Harmless stand-ins for samples: the demo never ships anything a virus scanner would flag. */
function sample(name: string): DemoFile {
  return { name, content: `casegraph demo sample standing in for ${name}; not malware.\n` };
}

/** A harmless stand-in for a suspicious e-mail message, with the name of the file it carried. */
function eml(name: string, subject: string, attachment: string): DemoFile {
  return {
    name,
    content: `From: billing@invoices.example\r\nTo: accounts@acme.example\r\nSubject: ${subject}\r\nContent-Type: text/plain\r\n\r\ncasegraph demo stand-in; the real message carried ${attachment}.\r\n`,
  };
}

const GLOBEX_CASE = { productProfileId: "globex-server", contactName: "Hank Scorpio" };

/**
 * The demo story: in each organization, product and threat cases in every sub-status an API user can
 * reach; updates from customers, partner staff and engineers; attachments; threat results of every
 * verdict and rating, with requests. NO_CUSTOMER_RESPONSE is the one sub-status no API call sets: the
 * auto-close job gives it to the SOLUTION_PROVIDED cases here once they have waited AUTO_CLOSE_DAYS.
 * The first case (C-<year>-000001) is the explorer's example case.
 */
export const DEMO_CASES: DemoCase[] = [
  // acme
  {
    as: ACME,
    input: threat("INFECTION_ANALYSIS", "Ransomware suspected on file server", "HIGH", { businessImpact: "File server isolated; 200 users without shared drives.", ccEmails: ["security@acme.example"] }),
    steps: [
      { subStatus: "IN_PROGRESS", comment: "Waiting for samples." },
      { update: "Samples from the file server attached (ZIP, password virus).", by: ACME, files: [sample("svch0st.exe"), sample("README_DECRYPT.txt"), sample("loader.dll")] },
      { submit: { files: ["svch0st.zip", "README_DECRYPT.zip", "loader.zip"], urls: ["http://pay-to-decrypt.example/acme", "https://files.acme.example/shared/"] }, by: ACME },
      { fileVerdict: "svch0st.zip", verdict: "DANGEROUS", detectionName: "Ransom.Win32.DEMOLOCK.A", patternVersion: "19.845.00" },
      { fileVerdict: "README_DECRYPT.zip", verdict: "NO_PROBLEM", patternVersion: "19.845.00" },
      { urlRating: "http://pay-to-decrypt.example/acme", rating: "DANGEROUS", category: "Ransomware payment site" },
      { urlRating: "https://files.acme.example/shared/", rating: "SAFE", category: "Business" },
      { request: { file: "svch0st.zip" }, action: "REQUEST_VIRUS_INFO", comment: "Management needs a description of what it does.", by: ACME },
      { request: { file: "svch0st.zip" }, action: "REQUEST_PATTERN_FILE", by: INITECH },
      { startRequest: { file: "svch0st.zip" }, action: "REQUEST_VIRUS_INFO" },
      {
        answerRequest: { file: "svch0st.zip" },
        action: "REQUEST_VIRUS_INFO",
        state: "DONE",
        response: "The article on this family is published; it lists the encrypted file types and the ransom note.",
        outcome: { virusInfoUrl: "https://www.security-vendor.example/threat-encyclopedia/ransom.win32.demolock.a" },
      },
      { startRequest: { file: "svch0st.zip" }, action: "REQUEST_PATTERN_FILE" },
      {
        answerRequest: { file: "svch0st.zip" },
        action: "REQUEST_PATTERN_FILE",
        state: "DONE",
        response: "The official pattern detects it from 19.846.00 on; please update all endpoints.",
        outcome: { patternVersion: "19.846.00" },
      },
      { request: { file: "README_DECRYPT.zip" }, action: "REQUEST_REANALYSIS", comment: "Users opened this note; is it really harmless?", by: ACME },
      { startRequest: { file: "README_DECRYPT.zip" }, action: "REQUEST_REANALYSIS" },
      {
        answerRequest: { file: "README_DECRYPT.zip" },
        action: "REQUEST_REANALYSIS",
        state: "DONE",
        response: "Re-analysed with the newest pattern: the note carries a script that starts the encryption again.",
        outcome: { verdict: "DANGEROUS", detectionName: "Ransom.Win32.DEMOLOCK.NOTE", patternVersion: "19.847.00" },
      },
      { request: { file: "README_DECRYPT.zip" }, action: "REQUEST_PATTERN_FILE", comment: "Please cover the note in the official pattern too.", by: ACME },
      { update: "Please run the Anti-Threat Toolkit on the server and send its collection log.", by: ENGINEER },
      { attkFile: "C:\\Windows\\Temp\\svch0st.exe", collected: true },
      { attkFile: "C:\\Users\\Public\\README_DECRYPT.txt", collected: true },
      { attkFile: "C:\\ProgramData\\loader.dll", collected: false },
      { request: { attk: "C:\\ProgramData\\loader.dll" }, action: "COLLECT_MORE_FILES", comment: "The loader was deleted before collection; two more PCs can be collected.", by: ACME },
      { request: { attk: "C:\\Windows\\Temp\\svch0st.exe" }, action: "REQUEST_LOG_REANALYSIS", comment: "The log misses the scheduled task that restarts it.", by: INITECH },
      {
        answerRequest: { attk: "C:\\ProgramData\\loader.dll" },
        action: "COLLECT_MORE_FILES",
        state: "DONE",
        response: "Please run the toolkit on the two PCs again and collect these files.",
        outcome: { filesToCollect: ["C:\\ProgramData\\loader.dll", "C:\\Windows\\System32\\Tasks\\SvcUpdate", "C:\\Users\\Public\\svch0st.cfg"] },
      },
      { startRequest: { attk: "C:\\Windows\\Temp\\svch0st.exe" }, action: "REQUEST_LOG_REANALYSIS" },
      {
        answerRequest: { attk: "C:\\Windows\\Temp\\svch0st.exe" },
        action: "REQUEST_LOG_REANALYSIS",
        state: "DONE",
        response: "The task is in the log after all; see the findings.",
        outcome: { collected: true, findings: "The scheduled task SvcUpdate starts svch0st.exe at every logon; delete the task before cleaning." },
      },
      { subStatus: "IN_PROGRESS", comment: "Samples received; pattern under review." },
    ],
  },
  {
    as: ACME,
    input: product("MALFUNCTION", "Agents stop reporting after upgrade to 14.0", "MEDIUM", { ccEmails: ["it-ops@acme.example", "manager@acme.example"] }),
    steps: [
      { subStatus: "IN_PROGRESS" },
      { update: "Please send the agent diagnostic logs from one affected PC.", by: ENGINEER },
      {
        update: "Logs from one affected PC, collected on site by Initech; 30 PCs affected.",
        by: INITECH,
        files: [{ name: "agent-diagnostics.log", content: "2026-03-02T08:14:07Z agent 14.0.1123 cannot reach server: certificate expired\n" }],
      },
    ],
  },
  {
    as: ACME,
    input: product("MALFUNCTION", "Management console unreachable", "CRITICAL", { businessImpact: "No administrator can push policies to 2,000 endpoints.", productProfileId: "acme-mail" }),
    steps: [{ subStatus: "IN_PROGRESS" }, { subStatus: "ESCALATED", comment: "Escalated to the console team." }],
  },
  { as: ACME, input: product("CONFIGURATION", "Scheduled scan ignores exclusion list", "LOW"), steps: [{ subStatus: "INFORMATION_REQUESTED", comment: "Which folders are excluded, and since which pattern version?" }] },
  { as: ACME, input: product("LICENSE", "License renewal shows wrong seat count", "LOW"), steps: [{ subStatus: "SOLUTION_PROVIDED", comment: "The seat count refreshes after the next license sync (within 24 hours)." }] },
  {
    as: ACME,
    input: product("UPDATE", "Question about update server proxy settings", "LOW"),
    steps: [{ subStatus: "SOLUTION_PROVIDED" }, { update: "Works with the proxy settings you sent, thanks.", by: ACME }, { close: ACME }],
  },
  {
    as: ACME,
    input: product("PERFORMANCE", "Real-time scan slows builds", "HIGH", { businessImpact: "Nightly builds take 3 hours instead of 1." }),
    steps: [{ subStatus: "IN_PROGRESS" }, { update: "Add the build output folders to the real-time scan exclusions.", by: ENGINEER }, { subStatus: "RESOLVED", comment: "Exclusions for the build folders fixed it." }],
  },
  {
    // Registered by initech on behalf of acme's IT operations: Yuki Yamada is the registrant and gets the mails.
    as: INITECH,
    input: threat("FALSE_POSITIVE_ANALYSIS", "In-house tool detected as malware", "MEDIUM", {
      organizationId: "acme",
      registrant: { email: "it-ops@acme.example" },
      contactName: "Yuki Yamada",
      description: "Registered for acme by Initech, their managed service provider. The tool is signed by acme's own CA.",
    }),
  },
  {
    as: INITECH,
    input: threat("FALSE_POSITIVE_ANALYSIS", "Deployment script quarantined on all servers", "HIGH", {
      organizationId: "acme",
      contactName: "Peter Gibbons",
      businessImpact: "No software roll-outs until the script runs again.",
    }),
    steps: [
      { update: "The quarantined script, as the portal asks (ZIP, password virus).", by: INITECH, files: [sample("deploy.ps1")] },
      { submit: { files: ["deploy.zip"] }, by: INITECH },
      { subStatus: "IN_PROGRESS" },
      { fileVerdict: "deploy.zip", verdict: "DANGEROUS", detectionName: "HackTool.PS1.DEMO.B", patternVersion: "19.845.00" },
      { request: { file: "deploy.zip" }, action: "REPORT_FALSE_POSITIVE", comment: "The script is ours and signed; please whitelist it.", by: INITECH },
      { startRequest: { file: "deploy.zip" }, action: "REPORT_FALSE_POSITIVE" },
      {
        answerRequest: { file: "deploy.zip" },
        action: "REPORT_FALSE_POSITIVE",
        state: "DONE",
        response: "Confirmed as a false positive: pattern 19.847.00 no longer detects the script.",
        outcome: { verdict: "NO_PROBLEM", patternVersion: "19.847.00" },
      },
    ],
  },
  {
    as: ACME,
    input: threat("EMAIL_ANALYSIS", "Invoice e-mails with macro attachments", "MEDIUM", { productProfileId: "acme-mail" }),
    steps: [
      { subStatus: "IN_PROGRESS" },
      {
        update: "The first e-mail as a .eml file, as the portal asks (ZIP, password virus); the reminder only arrived as a screenshot.",
        by: ACME,
        files: [eml("Invoice 2026-0113.eml", "Invoice 2026-0113", "invoice_2026-0113.xlsm")],
      },
      { submit: { emails: ["Invoice 2026-0113.zip"] }, by: ACME },
      {
        emailFile: "Invoice 2026-0113.eml",
        fileName: "invoice_2026-0113.xlsm",
        sha1: "5b1f2c0b9a6d4e3f8c7a1d2e3f4a5b6c7d8e9f01",
        verdict: "DANGEROUS",
        detectionName: "Trojan.X97M.DEMODOC.A",
        patternVersion: "19.845.00",
      },
      { emailFile: "Invoice 2026-0113.eml", fileName: "logo.png", sha1: "0c8a3b5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b", verdict: "NO_PROBLEM", patternVersion: "19.845.00" },
      { emailVerdict: "Invoice 2026-0113.eml", verdict: "SPAM" },
      { emailVerdict: "Invoice reminder (encrypted).eml", verdict: "UNANALYZABLE" },
      { subStatus: "SOLUTION_PROVIDED", comment: "The sender is now blocked at the mail gateway." },
      { subStatus: "CLOSE_AGREED", comment: "Customer agreed by phone." },
    ],
  },
  { as: ACME, input: threat("URL_ANALYSIS", "Is our own intranet portal flagged?", "LOW"), steps: [{ subStatus: "OUT_OF_SCOPE", comment: "Internal sites are not rated by the service." }] },
  // globex
  {
    as: GLOBEX,
    input: product("MALFUNCTION", "Server agent crashes nightly", "HIGH", { ...GLOBEX_CASE, businessImpact: "Database servers unprotected at night." }),
    steps: [
      { subStatus: "IN_PROGRESS" },
      {
        update: "Crash dumps from two servers.",
        by: GLOBEX,
        files: [
          { name: "db01-crash.txt", content: "agent.exe faulted at 0x0041f3a2 (02:00:13)\n" },
          { name: "db02-crash.txt", content: "agent.exe faulted at 0x0041f3a2 (02:00:41)\n" },
        ],
      },
      { subStatus: "IN_PROGRESS", comment: "Dumps received; reproducing in the lab." },
    ],
  },
  {
    as: GLOBEX,
    input: threat("URL_ANALYSIS", "Phishing URL reported by staff", "MEDIUM", GLOBEX_CASE),
    steps: [
      { submit: { urls: ["http://globex-payroll.example/login", "https://short.example/x7Gq", "https://www.globex.example/careers"] }, by: GLOBEX },
      { urlRating: "http://globex-payroll.example/login", rating: "DANGEROUS", category: "Phishing" },
      { urlRating: "https://short.example/x7Gq", rating: "SUSPICIOUS", category: "URL shortener" },
    ],
  },
  { as: GLOBEX, input: product("PRODUCT_OTHER", "Request for a feature not in the product", "LOW", GLOBEX_CASE), steps: [{ subStatus: "OUT_OF_SCOPE", comment: "Forwarded to product management as a feature request." }] },
  {
    as: GLOBEX,
    input: product("INSTALLATION", "Upgrade path from 19.x", "MEDIUM", GLOBEX_CASE),
    steps: [
      { subStatus: "SOLUTION_PROVIDED" },
      { subStatus: "CLOSE_AGREED" },
      // A reopening update carries the log of the failed upgrade, uploaded to the closed case.
      { update: "The upgrade failed on one server after all; reopening.", by: GLOBEX, reopen: true, files: [{ name: "upgrade-srv2.log", content: "2026-03-04T02:10:55Z setup 20.0 rollback: service did not start\n" }] },
    ],
  },
  {
    as: GLOBEX,
    input: threat("INFECTION_ANALYSIS", "Trojan found on a developer laptop", "HIGH", { ...GLOBEX_CASE, businessImpact: "Laptop quarantined; source code access suspended." }),
    steps: [
      { subStatus: "IN_PROGRESS" },
      { update: "The file the scanner could not clean, and the library it loads (ZIP, password virus).", by: GLOBEX, files: [sample("updater"), sample("libhook.so")] },
      { submit: { files: ["updater.zip", "libhook.zip"] }, by: GLOBEX },
      { fileVerdict: "updater.zip", verdict: "DANGEROUS", detectionName: "Backdoor.Linux.DEMO.C", patternVersion: "19.845.00" },
      { fileVerdict: "libhook.zip", verdict: "DANGEROUS", patternVersion: "19.845.00" },
      { request: { file: "updater.zip" }, action: "REPORT_CLEANUP_FAILURE", comment: "It comes back after every reboot.", by: GLOBEX },
      { startRequest: { file: "updater.zip" }, action: "REPORT_CLEANUP_FAILURE" },
      {
        answerRequest: { file: "updater.zip" },
        action: "REPORT_CLEANUP_FAILURE",
        state: "DONE",
        response: "A cron entry restores it; the steps below remove both.",
        outcome: { instructions: "1. Disconnect the laptop from the network.\n2. Run crontab -e as the developer and delete the line that starts ~/.cache/updater.\n3. Run a full scan and reboot." },
      },
      { request: { file: "libhook.zip" }, action: "REQUEST_DETECTION_NAME", comment: "Our SIEM needs a name for the library.", by: GLOBEX },
      {
        answerRequest: { file: "libhook.zip" },
        action: "REQUEST_DETECTION_NAME",
        state: "DONE",
        response: "Named from pattern 19.846.00 on.",
        outcome: { detectionName: "Backdoor.Linux.DEMO.C.lib" },
      },
      { request: { file: "libhook.zip" }, action: "REQUEST_PATTERN_FILE", by: GLOBEX },
      { startRequest: { file: "libhook.zip" }, action: "REQUEST_PATTERN_FILE" },
      { attkFile: "/home/dev/.cache/updater", collected: true },
      { request: { attk: "/home/dev/.cache/updater" }, action: "REQUEST_LOG_REANALYSIS", comment: "Please check the crontab entries too.", by: GLOBEX },
      {
        answerRequest: { attk: "/home/dev/.cache/updater" },
        action: "REQUEST_LOG_REANALYSIS",
        state: "REJECTED",
        response: "The toolkit does not collect crontab entries; the cleanup instructions on updater.zip cover them.",
      },
      { subStatus: "ESCALATED", comment: "Escalated to the threat research team." },
    ],
  },
  {
    as: GLOBEX,
    input: product("MALFUNCTION", "Policy export fails with an empty file", "MEDIUM", GLOBEX_CASE),
    steps: [{ subStatus: "INFORMATION_REQUESTED", comment: "Please send the console debug log of one export." }],
  },
  {
    as: GLOBEX,
    input: threat("OTHER", "What does detection name TROJ_GENERIC mean?", "LOW", GLOBEX_CASE),
    steps: [{ update: "It is a generic detection for trojans without a dedicated name.", by: ENGINEER }, { subStatus: "RESOLVED" }],
  },
  {
    as: GLOBEX,
    input: product("CONFIGURATION", "Duplicate alerts in the console", "LOW", GLOBEX_CASE),
    steps: [{ subStatus: "IN_PROGRESS" }, { update: "Found it: two policies sent the same alert. Closing.", by: GLOBEX }, { close: GLOBEX }],
  },
  {
    // Taken by phone: the engineer registers it on Hank Scorpio's behalf, who is its registrant.
    as: ENGINEER,
    input: product("UPDATE", "Pattern update fails on two servers", "MEDIUM", {
      ...GLOBEX_CASE,
      organizationId: "globex",
      registrant: { email: "customer@globex.example" },
      description: "Reported by phone: since Monday the pattern update fails on db01 and db02 with error 0x5.",
    }),
    steps: [{ update: "Registered from your phone call. Please send the update log of db01.", by: ENGINEER }, { subStatus: "INFORMATION_REQUESTED" }],
  },
  { as: GLOBEX, input: product("CONFIGURATION", "Console language setting resets", "LOW", GLOBEX_CASE), steps: [{ subStatus: "SOLUTION_PROVIDED", comment: "Set the language in the user profile, not in the browser." }] },
  {
    as: GLOBEX,
    input: threat("EMAIL_ANALYSIS", "Spam wave after a web form change", "MEDIUM", GLOBEX_CASE),
    steps: [
      { emailVerdict: "Contact form 0412.eml", verdict: "SPAM" },
      { emailVerdict: "Contact form 0413.eml", verdict: "NORMAL" },
      { emailVerdict: "Contact form 0415.eml", verdict: "ANALYZING" },
      { subStatus: "SOLUTION_PROVIDED" },
      { update: "Confirmed: the spam stopped after the filter update.", by: GLOBEX },
      { subStatus: "CLOSE_AGREED" },
    ],
  },
];
