// Opens a proof sheet in the distribution's headless Chromium and says what a
// reviewer would see: the campaigns, the flags, whether `n` moves between
// flags, whether the phone toggle narrows the emails, and whether any script
// inside an email ran. Takes screenshots at 1280 and 375 px wide.
//
//   node check.js SHEET.html OUT_DIR [CHROMIUM]
//
// Prints one JSON object; tests/proof_sheet.rs holds it to what must be true.

const { chromium } = require('playwright-core');
const path = require('path');

async function main() {
  const [sheet, outDir, executable] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: executable || '/usr/bin/chromium',
    headless: true,
    // Without these, Chromium reaches for Google's services at every start,
    // which a closed network refuses.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(m.text()));
  // Every load from outside the page, and how it ended: the policy must
  // stop each one before it goes out (net::ERR_BLOCKED_BY_CSP).
  const remote = (r) => !/^(file|about|data):/.test(r.url());
  const requests = [];
  const blockedByPolicy = (r) => r.failure === 'csp' || r.failure === 'net::ERR_BLOCKED_BY_CSP';
  page.on('requestfailed', (r) => {
    if (remote(r)) requests.push({ url: r.url(), failure: r.failure() && r.failure().errorText });
  });
  page.on('requestfinished', (r) => {
    if (remote(r)) requests.push({ url: r.url(), failure: null });
  });
  await page.goto('file://' + path.resolve(sheet));
  await page.waitForLoadState('load');
  // Large campaigns arrive packed; the page unpacks them.
  await page.waitForFunction(() => document.body.dataset.unpacked === 'yes', null, { timeout: 30000 });
  const packed = await page.$$eval('.packed', (p) => p.length);
  // Lazy frames load as they come into view: scroll them all in.
  // Each email's frame is made as it comes near the screen: bring each in.
  for (let round = 0; round < 10; round++) {
    const slots = await page.$$('.slot');
    if (!slots.length) break;
    for (const slot of slots) {
      await slot.evaluate((s) => s.isConnected && s.scrollIntoView());
      await page.waitForTimeout(5);
    }
    await page.waitForTimeout(300);
  }
  const frames = await page.$$('iframe.email');
  const slotsLeft = await page.$$eval('.slot', (s) => s.length);
  const campaigns = await page.$$eval('section.campaign', (s) => s.map((e) => e.dataset.campaign));
  const rules = await page.$$eval('.flag', (s) => [...new Set(s.map((e) => e.dataset.rule))]);
  const summary = await page.$eval('#summary', (e) => e.textContent);

  // Inside each email: did a script run? (The sandbox forbids it.)
  let scriptRanInEmail = consoleLines.some((l) => l.includes('EMAIL-SCRIPT-RAN'));
  let emailsRead = 0;
  for (const frame of page.frames()) {
    if (frame === page.mainFrame()) continue;
    try {
      const marker = await frame.evaluate(() => document.documentElement.getAttribute('data-email-script-ran'));
      emailsRead += 1;
      if (marker) scriptRanInEmail = true;
    } catch (e) {
      // A frame that cannot be evaluated in ran nothing of ours either.
    }
  }

  // The page's own keys: `n` focuses a flag.
  await page.keyboard.press('n');
  const focusedFlag = await page.evaluate(() => document.activeElement && document.activeElement.classList.contains('flag'));
  await page.screenshot({ path: path.join(outDir, 'proof-sheet-1280.png') });
  // An email with an error beside it, as a reviewer reads it.
  const card = await page.$('.card:has(.flag.error) iframe.email');
  if (card) {
    await card.evaluate((f) => f.closest('.card').scrollIntoView({ block: 'start' }));
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(outDir, 'proof-sheet-email-1280.png') });
  }
  await page.check('#phone');
  const phoneWidth = frames.length ? await frames[0].evaluate((f) => f.getBoundingClientRect().width) : 0;
  await page.setViewportSize({ width: 375, height: 812 });
  await page.screenshot({ path: path.join(outDir, 'proof-sheet-375.png') });
  await browser.close();
  console.log(JSON.stringify({
    campaigns,
    rules,
    summary,
    frames: frames.length,
    slotsLeft,
    packedLeft: packed,
    emailsRead,
    scriptRanInEmail,
    focusedFlag,
    phoneWidth,
    remoteRequests: requests.filter((r) => !blockedByPolicy(r)),
    blockedRequests: requests.filter(blockedByPolicy).length,
  }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
