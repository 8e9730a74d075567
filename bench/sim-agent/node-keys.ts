/**
 * RSA keys and their CSRs for simulated agents, made once and kept on disk between runs: a key costs
 * ~0.1 s of OpenSSL and its CSR a forge signature, which for thousands of agents would take longer than
 * the benchmark. Neither depends on the cluster (a CSR carries no subject: the CA writes the node's
 * identity), so they are shared by every cluster; certificates are not, and each run's agents get theirs
 * from its CA. Key i is the same agent slot in every run. Files are 0600 in a 0700 folder of this user's
 * (`SHOAL_SIM_CACHE`, default `<tmpdir>/shoal-sim-agents-<uid>`).
 */
import { generateKeyPair } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createCsr } from '../../certs/index.ts';

const generate = promisify(generateKeyPair);

/** One agent slot's key (PKCS#8 PEM) and a CSR for it. */
export interface SimAgentKey {
  readonly keyPem: string;
  readonly csrPem: string;
}

/** Where the keys are kept. */
export function simCacheDir(): string {
  return process.env.SHOAL_SIM_CACHE ?? join(tmpdir(), `shoal-sim-agents-${process.getuid?.() ?? 0}`);
}

/** Keys generated at once (on libuv's thread pool). */
const PARALLEL = 4;

/**
 * The keys of slots `from` … `from + count - 1`, read from the cache, the missing ones generated and
 * written. `progress` hears how many were generated so far (a first large run takes minutes).
 */
export async function simAgentKeys(
  from: number,
  count: number,
  dir = simCacheDir(),
  progress: (generated: number) => void = () => undefined,
): Promise<SimAgentKey[]> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // A folder in a shared tmp: it must be this user's own, or the keys are not secrets (nor trustworthy).
  const st = statSync(dir);
  if (st.uid !== (process.getuid?.() ?? st.uid) || (st.mode & 0o077) !== 0) {
    throw new Error(`sim-agent: ${dir} must be a folder of this user's, closed to others (chmod 700)`);
  }
  const keys: (SimAgentKey | undefined)[] = [];
  const missing: number[] = [];
  for (let k = 0; k < count; k++) {
    const key = readKey(join(dir, `key-${from + k}.json`));
    keys.push(key);
    if (key === undefined) missing.push(k);
  }
  let generated = 0;
  const worker = async (): Promise<void> => {
    for (let k = missing.shift(); k !== undefined; k = missing.shift()) {
      const { privateKey } = await generate('rsa', {
        modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      });
      const key = { keyPem: privateKey, csrPem: createCsr(privateKey) };
      const file = join(dir, `key-${from + k}.json`);
      writeFileSync(file, JSON.stringify(key), { mode: 0o600 });
      chmodSync(file, 0o600);
      keys[k] = key;
      progress(++generated);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return keys.map((key, k) => {
    if (key === undefined) throw new Error(`sim-agent: no key for slot ${from + k}`);
    return key;
  });
}

/** A cached key, or undefined if it is missing or unreadable (it is then made again). */
function readKey(file: string): SimAgentKey | undefined {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<SimAgentKey>;
    return typeof v.keyPem === 'string' && typeof v.csrPem === 'string'
      ? { keyPem: v.keyPem, csrPem: v.csrPem }
      : undefined;
  } catch {
    return undefined;
  }
}
