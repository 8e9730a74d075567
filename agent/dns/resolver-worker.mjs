// The resolver thread's entry (embedded-dns.ts starts it as a worker_threads Worker). Plain JavaScript
// because on Node 20 the tsx loader the agent runs under does not reach worker threads (neither inherited
// nor through the Worker's execArgv: `Unknown file extension ".ts"`). So: the compiled module when a
// build put one next to this file, else the TypeScript source through tsx's API, scoped to this import.
import { existsSync } from 'node:fs';
import { URL } from 'node:url';

const compiled = new URL('./resolver-thread.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { tsImport } = await import('tsx/esm/api');
  await tsImport('./resolver-thread.ts', import.meta.url);
}
