import { execFile } from "node:child_process";
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { createBrotliDecompress } from "node:zlib";
import { type Browser, chromium } from "playwright-core";

/** Debian's chromium, preferred when installed (`.ci/run` installs it). */
export const SYSTEM_CHROMIUM = "/usr/bin/chromium";

/**
 * Flags for a headless browser on a machine with no internet: without the background-networking ones
 * Chromium keeps dialling Google's hosts and gets refused.
 */
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"];

/** Which browser the browser tests drive; `TEST_CHROMIUM` picks one, for proving each path. */
export type ChromiumChoice = "system" | "bundled";

/** `TEST_CHROMIUM=system|bundled` forces one browser; unset, Debian's wins when installed and the npm one stands in. */
export function chromiumChoice(): ChromiumChoice {
  const forced = process.env.TEST_CHROMIUM;
  if (forced === "system" || forced === "bundled") return forced;
  if (forced) throw new Error(`TEST_CHROMIUM must be "system" or "bundled" (or unset), got ${JSON.stringify(forced)}`);
  return existsSync(SYSTEM_CHROMIUM) ? "system" : "bundled";
}

/** Launches headless Chromium: Debian's when present, else the build shipped inside the @sparticuz/chromium npm package. */
export async function launchChromium(choice: ChromiumChoice = chromiumChoice()): Promise<Browser> {
  if (choice === "system") {
    if (!existsSync(SYSTEM_CHROMIUM)) throw new Error(`TEST_CHROMIUM=system but ${SYSTEM_CHROMIUM} is missing: apt-get install -y chromium`);
    return chromium.launch({ executablePath: SYSTEM_CHROMIUM, args: CHROMIUM_ARGS });
  }
  const bundle = await unpackBundledChromium();
  return chromium.launch({
    executablePath: join(bundle, "chromium"),
    args: CHROMIUM_ARGS,
    env: {
      ...process.env,
      // The package carries the few shared libraries the binary needs beyond glibc (NSS, NSPR, expat).
      LD_LIBRARY_PATH: [join(bundle, "lib"), process.env.LD_LIBRARY_PATH].filter(Boolean).join(":"),
      FONTCONFIG_FILE: join(bundle, "fonts.conf"),
    },
  });
}

const require = createRequire(import.meta.url);
const execFileAsync = promisify(execFile);

/**
 * Unpacks the npm package's brotli-compressed browser once per package version under
 * node_modules/.cache (the package's own helper would unpack into the shared /tmp). Unpacks into a
 * private folder and renames it into place, so two test processes never see half a browser.
 */
async function unpackBundledChromium(): Promise<string> {
  const root = packageRoot("@sparticuz/chromium");
  const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
  const bin = join(root, "bin");
  const target = join(root, "../../.cache/casegraph-chromium", version);
  if (existsSync(join(target, "chromium"))) return target;

  const staging = `${target}.${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    await pipeline(createReadStream(join(bin, "chromium.br")), createBrotliDecompress(), createWriteStream(join(staging, "chromium"), { mode: 0o755 }));
    // swiftshader: the GL libraries the binary loads from its own folder; al2023: lib/ with NSS and friends.
    for (const archive of ["swiftshader.tar.br", "al2023.tar.br", "fonts.tar.br"]) await untar(join(bin, archive), staging);
    // The package's fonts.conf points at /tmp; ours adds the machine's fonts and the bundled ones.
    writeFileSync(
      join(staging, "fonts.conf"),
      `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n  <dir>${join(target, "fonts")}</dir>\n  <cachedir>${join(target, "fonts-cache")}</cachedir>\n</fontconfig>\n`,
    );
    try {
      renameSync(staging, target);
    } catch (error) {
      // Another process won the race: its copy is complete, ours goes.
      if (!existsSync(join(target, "chromium"))) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return target;
}

/** The folder of an installed package whose `exports` hide its package.json. */
function packageRoot(name: string): string {
  let folder = dirname(require.resolve(name));
  while (!existsSync(join(folder, "package.json")) || (JSON.parse(readFileSync(join(folder, "package.json"), "utf8")) as { name?: string }).name !== name) {
    if (dirname(folder) === folder) throw new Error(`no package.json named ${name} above ${require.resolve(name)}`);
    folder = dirname(folder);
  }
  return folder;
}

/** Brotli-decompresses a tarball into `folder` through the system's tar (from a file: tar stops reading at the archive's end marker, which breaks a pipe). */
async function untar(archive: string, folder: string): Promise<void> {
  const tarball = join(folder, ".unpacking.tar");
  await pipeline(createReadStream(archive), createBrotliDecompress(), createWriteStream(tarball));
  try {
    await execFileAsync("tar", ["-x", "--no-same-owner", "-f", tarball, "-C", folder]);
  } finally {
    rmSync(tarball, { force: true });
  }
}
