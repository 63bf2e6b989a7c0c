import fs from 'node:fs';
import readline from 'node:readline';
import type { ImportSummary } from './import.js';
import { importArticles } from './import.js';
import type { KbDeps } from './service.js';

/**
 * `portal kb import FILE.jsonl`: reads the file line by line (never whole: 100k articles are
 * hundreds of MB), shows progress on stderr (a bar on a terminal, a line a batch otherwise) and
 * prints a summary on stdout. Exit 0 when every line imported or was unchanged, 1 with errors.
 */
export async function runKbImport(
  deps: KbDeps,
  file: string,
  out: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream },
): Promise<number> {
  const size = fs.statSync(file).size;
  const stream = fs.createReadStream(file, { encoding: 'utf8' });
  let bytes = 0;
  stream.on('data', (chunk) => (bytes += Buffer.byteLength(chunk as string)));
  const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
  const started = Date.now();
  const tty = out.stderr.isTTY === true;
  const progress = (done: number, s: ImportSummary) => {
    const share = size ? Math.min(1, bytes / size) : 1;
    const rate = Math.round(done / Math.max(0.001, (Date.now() - started) / 1000));
    const text = `${done} lines · ${s.created} created · ${s.updated} updated · ${s.unchanged} unchanged · ${s.errors.length} errors · ${rate}/s`;
    if (tty) {
      const width = 30;
      const filled = Math.round(share * width);
      out.stderr.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.round(share * 100)}% ${text}\x1b[K`);
    } else out.stderr.write(`${text}\n`);
  };
  const summary = await importArticles(deps, lines, { actor: 'import', onProgress: progress });
  if (tty) out.stderr.write('\n');
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  out.stdout.write(
    `created ${summary.created}, updated ${summary.updated}, unchanged ${summary.unchanged}, errors ${summary.errors.length} (${seconds} s)\n`,
  );
  for (const e of summary.errors.slice(0, 100)) out.stdout.write(`  line ${e.line}: ${e.message}\n`);
  if (summary.errors.length > 100) out.stdout.write(`  … and ${summary.errors.length - 100} more\n`);
  return summary.errors.length ? 1 : 0;
}
