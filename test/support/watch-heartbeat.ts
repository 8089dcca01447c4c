import type { Page } from 'playwright-core';

/**
 * From now on the page's watch heartbeat (`…/watch`, every 20 s while a link attempt shows) gets no
 * answer: its call stays pending until the page closes, and the page sends no other while one is
 * pending. What the page learns after this can only come by its event stream, so a test can wait
 * for a change as long as it likes and still prove the change was pushed: no time limit to race.
 * Call it once the attempt shows (its first watch answered).
 */
export async function holdWatchHeartbeats(page: Page): Promise<void> {
  await page.route('**/watch', () => undefined);
}
