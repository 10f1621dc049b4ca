/**
 * Headless Chromium for the browser tests, driven by playwright-core. By default the Chromium shipped
 * inside the npm package @sparticuz/chromium (a devDependency: `npm ci` is all a bare machine needs);
 * set DLN_CHROMIUM to the path of another build (e.g. /usr/bin/chromium) to use that one.
 */
import { existsSync } from "node:fs";
import packagedChromium from "@sparticuz/chromium";
import { chromium, type BrowserContext } from "playwright-core";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The Chromium to launch: DLN_CHROMIUM when set, else the one unpacked from @sparticuz/chromium. */
async function chromiumPath(): Promise<string> {
  const asked = process.env.DLN_CHROMIUM;
  if (asked) {
    if (!existsSync(asked)) throw new Error(`DLN_CHROMIUM=${asked}: no such file (unset it to use the Chromium from the @sparticuz/chromium package)`);
    return asked;
  }
  return packagedChromium.executablePath();
}

/** A headless browser with a fresh profile in `profileDir` (playwright passes it as --user-data-dir). */
export async function launchChromium(profileDir: string): Promise<BrowserContext> {
  const executablePath = await chromiumPath();
  return chromium.launchPersistentContext(profileDir, { executablePath, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 } });
}
