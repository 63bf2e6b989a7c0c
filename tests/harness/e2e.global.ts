import fs from 'node:fs';
import path from 'node:path';
import { CHROMIUM_PATH } from './browser.js';

/**
 * Runs once before the end-to-end tests: they drive the built web app in a real Chromium,
 * so both must exist. `npm test` builds first; Chromium comes from Debian's `chromium` package.
 */
export default function checkE2ePrerequisites(): void {
  const ci = process.env.CI === 'true';
  const problems: string[] = [];
  const indexHtml = path.resolve('dist/web/index.html');
  if (!fs.existsSync(indexHtml)) {
    problems.push(`The web app is not built (${path.relative(process.cwd(), indexHtml)} is missing). Run \`npx vite build\` (or \`npm test\`, which builds first).`);
  }
  if (!fs.existsSync(CHROMIUM_PATH)) {
    problems.push(`Chromium is not installed at ${CHROMIUM_PATH}. Install it with \`apt-get install chromium\` (never \`npx playwright install\`).`);
  }
  if (problems.length) {
    // In CI a missing prerequisite is a broken pipeline; locally it is a setup step. Either way e2e cannot run.
    const heading = ci ? 'End-to-end prerequisites missing in CI:' : 'End-to-end tests cannot run yet:';
    throw new Error(`${heading}\n  - ${problems.join('\n  - ')}`);
  }
}
