// Debian's Chromium (or $CHROMIUM) headless through playwright-core, with no browser download.
// The flags keep it off the network this machine does not have (background updates, QUIC)
// and let it run as root (--no-sandbox).

import { chromium } from 'playwright-core';

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}
