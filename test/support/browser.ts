/**
 * Headless Chromium from the system (Debian's `chromium`; `.ci/run` installs it), driven by
 * playwright-core, which never downloads a browser. CHROMIUM_PATH names another binary.
 */
import { existsSync, readFileSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium (as .ci/run does)`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'], headless: true });
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * axe-core's violations on the page as it is. The script goes in through the DevTools protocol, not as
 * a script tag: the console's content security policy refuses inline script, and stays on.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  // A string: this runs in the page, where axe and the DOM's globals are.
  return page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((result) =>
    result.violations.map(({ id, impact, help, nodes }) => ({
      id, impact, help, nodes: nodes.map((n) => ({ target: n.target })),
    })))`) as Promise<AxeViolation[]>;
}
