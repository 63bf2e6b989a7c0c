import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError, asAppError, errorCode, errors } from '../../server/errors.js';
import { DirectoryUnavailableError } from '../../server/directory/port.js';
import { errorBody, errorHeaders, STATUS_OF, statusOf } from '../../server/http/errors.js';
import { ERROR_CODES } from '../../shared/errors.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Relative imports of a TypeScript file (import … from, export … from, import()), resolved to files. */
function importsOf(file: string): string[] {
  const source = fs.readFileSync(file, 'utf8');
  const specifiers = [...source.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!);
  return specifiers.map((s) => path.resolve(path.dirname(file), s).replace(/\.js$/, '.ts'));
}

/** Every file `file` loads, directly or through other project files. */
function reachableFrom(file: string): Set<string> {
  const seen = new Set<string>();
  const queue = [file];
  while (queue.length) {
    const next = queue.pop()!;
    if (seen.has(next) || !fs.existsSync(next)) continue;
    seen.add(next);
    queue.push(...importsOf(next));
  }
  return seen;
}

function tsFilesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(dir, f));
}

/**
 * Code that jobs, the CLI and SCIM call as well as HTTP: services and repositories of every
 * feature (all but its route files: `routes.ts`, or `<name>-routes.ts` when a feature serves two
 * surfaces, as SCIM does with /scim/v2 and its admin API), the ports, the domain errors and the job queue.
 */
function transportFreeFiles(): string[] {
  const features = tsFilesUnder(path.join(ROOT, 'server/features')).filter((f) => !/^(.+-)?routes\.ts$/.test(path.basename(f)));
  const ports = ['directory', 'mail', 'rate-limit', 'sessions', 'audit', 'jobs', 'db', 'platform', 'push', 'inventory', 'demo'].flatMap(
    (d) => tsFilesUnder(path.join(ROOT, 'server', d)),
  );
  return [...features, ...ports, path.join(ROOT, 'server/errors.ts')];
}

const HTTP_DIR = path.join(ROOT, 'server/http') + path.sep;

describe('domain errors stay out of the HTTP layer', () => {
  it('finds the services and ports it guards', () => {
    const files = transportFreeFiles().map((f) => path.relative(ROOT, f));
    expect(files).toContain(path.join('server/features/password/flows.ts'));
    expect(files).toContain(path.join('server/rate-limit/limiter.ts'));
    expect(files).not.toContain(path.join('server/features/password/routes.ts'));
  });

  it('no service, repository or port imports server/http, directly or through another file', () => {
    const offenders: string[] = [];
    for (const file of transportFreeFiles()) {
      for (const reached of reachableFrom(file)) {
        if (reached.startsWith(HTTP_DIR)) offenders.push(`${path.relative(ROOT, file)} → ${path.relative(ROOT, reached)}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('notices an import of server/http (the check can fail)', () => {
    const probe = path.join(ROOT, 'server/features/people/layering-probe.tmp.ts');
    fs.writeFileSync(probe, "import { statusOf } from '../../http/errors.js';\nexport const x = statusOf;\n");
    try {
      expect([...reachableFrom(probe)].some((f) => f.startsWith(HTTP_DIR))).toBe(true);
    } finally {
      fs.rmSync(probe);
    }
  });
});

describe('one status per error code', () => {
  it('maps every ErrorCode, and nothing else, to an HTTP error status', () => {
    expect(Object.keys(STATUS_OF).sort()).toEqual([...ERROR_CODES].sort());
    for (const code of ERROR_CODES) {
      expect(statusOf(code), code).toBeGreaterThanOrEqual(400);
      expect(statusOf(code), code).toBeLessThan(600);
    }
  });

  it('has a factory for every code, each building the code it is named for', () => {
    const samples: Partial<Record<keyof typeof errors, unknown[]>> = {
      validationFailed: [{}],
      rateLimited: [1],
      passwordRejected: [['too_short']],
    };
    const built = Object.entries(errors).map(
      ([name, make]) => (make as (...args: unknown[]) => AppError)(...(samples[name as keyof typeof errors] ?? [])).code,
    );
    expect(new Set(built)).toEqual(new Set(ERROR_CODES));
  });

  it('turns a rate limit into 429 with Retry-After in whole seconds', () => {
    const error = errors.rateLimited(90.2);
    expect(statusOf(error.code)).toBe(429);
    expect(errorHeaders(error)).toEqual({ 'Retry-After': '91' });
    expect(errorBody(error).error).toEqual({ code: 'rate_limited', message: 'Too many attempts. Try again in 2 minute(s).' });
  });

  it('carries fields and problems into the body', () => {
    expect(errorBody(errors.validationFailed({ query: 'Too short.' })).error.fields).toEqual({ query: 'Too short.' });
    expect(errorBody(errors.passwordRejected(['too_short', 'common'])).error.problems).toEqual(['too_short', 'common']);
  });

  it('maps a directory outage through the same codes, keeping its details out of the message', () => {
    const outage = new DirectoryUnavailableError('LDAP directory ldap://10.0.0.5 could not bind: ECONNREFUSED');
    const mapped = asAppError(outage);
    expect(mapped?.code).toBe('directory_unavailable');
    expect(statusOf(mapped!.code)).toBe(503);
    expect(mapped!.message).not.toContain('10.0.0.5');
    expect(mapped!.cause).toBe(outage);
    expect(errorCode(outage)).toBe('directory_unavailable');
    expect(errorCode(new TypeError('bug'))).toBe('error');
    expect(asAppError(new TypeError('bug'))).toBeNull();
  });
});
