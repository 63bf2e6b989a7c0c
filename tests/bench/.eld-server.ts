import fs from 'node:fs';
import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks';
const h = monitorEventLoopDelay({ resolution: 5 });
h.enable();
const gcs: number[] = [];
new PerformanceObserver((list) => { for (const e of list.getEntries()) gcs.push(e.duration); }).observe({ entryTypes: ['gc'] });
process.on('SIGUSR2', () => {
  fs.writeFileSync('/tmp/kbp/eld.json', JSON.stringify({ p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6, gcCount: gcs.length, gcOver10: gcs.filter((d) => d > 10).length, gcMax: Math.max(0, ...gcs), gcTotal: gcs.reduce((a, b) => a + b, 0) }));
  h.reset(); gcs.length = 0;
});
await import('./kb-server.js');
