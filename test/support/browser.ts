import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, headless, the way every browser test runs it (never a downloaded browser). */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', ...extraArgs],
  });
}
