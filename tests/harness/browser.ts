import { chromium, type Browser, type BrowserContext, type BrowserContextOptions } from 'playwright-core';

/** Debian's Chromium; playwright-core drives it (never `npx playwright install`). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Without the networking flags the closed network here refuses many of Chromium's own connections. */
const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface LaunchOptions {
  /**
   * A Y4M video file that stands in for the camera: getUserMedia then answers at once, without a
   * permission prompt, with this file's frames (e.g. a barcode to scan).
   */
  fakeCamera?: string;
}

export async function launchBrowser(options: LaunchOptions = {}): Promise<Browser> {
  const camera = options.fakeCamera
    ? ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${options.fakeCamera}`]
    : [];
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...camera], headless: true });
}

/** A phone: 390×844 CSS pixels, touch, mobile viewport rules (an iPhone 12–15 sized screen). */
export const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 3,
  isMobile: true,
  hasTouch: true,
  userAgent:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
};

/** A laptop: 1280×800, mouse and keyboard. */
export const DESKTOP: BrowserContextOptions = {
  viewport: { width: 1280, height: 800 },
  deviceScaleFactor: 1,
  isMobile: false,
  hasTouch: false,
};

export interface ContextOptions {
  /** Browser languages, e.g. ['zh-CN']; English when not given. */
  locale?: string;
  /** Service workers are blocked unless asked for, so tests that do not look at them stay simple. */
  serviceWorkers?: boolean;
}

/** A fresh, isolated browser profile (cookies, storage, service workers) on the given device. */
export async function newContext(browser: Browser, device: BrowserContextOptions, options: ContextOptions = {}): Promise<BrowserContext> {
  return browser.newContext({
    ...device,
    locale: options.locale ?? 'en-US',
    serviceWorkers: options.serviceWorkers ? 'allow' : 'block',
  });
}

export const phoneContext = (browser: Browser, options?: ContextOptions) => newContext(browser, PHONE, options);
export const desktopContext = (browser: Browser, options?: ContextOptions) => newContext(browser, DESKTOP, options);
