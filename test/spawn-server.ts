/**
 * Runs the server as an operator does — `node --import tsx apps/server/src/main.ts` in its own
 * process — on a free port, waits for /readyz, and stops it with SIGTERM. Shared by the process
 * tests and the browser tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { SERVER_NODE_FLAGS } from '../apps/server/src/node-flags';
import { freePort } from './pg-cluster';

export const ROOT = resolve(import.meta.dirname, '..');

export interface RunningServer {
  url: string;
  child: ChildProcess;
  /** Everything the server wrote so far (for failure messages and log checks). */
  output(): string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** SIGTERM (SIGKILL after 10 s); resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** How long a server may take to answer /readyz (a busy 2-core machine boots slowly). */
export const READY_TIMEOUT_MS = Number(process.env.E2E_READY_TIMEOUT_MS ?? 240_000);

/**
 * The node arguments that start the server as `npm start` does (SERVER_NODE_FLAGS), with `--cpu-prof`
 * when BENCH_CPU_PROF=<dir> is set (benchmarks: the profile is written when the server exits).
 */
export const serverNodeArgs = (): string[] => [
  ...SERVER_NODE_FLAGS,
  ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
  '--import',
  'tsx',
  'apps/server/src/main.ts',
];

export async function spawnServer(env: Record<string, string>): Promise<RunningServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let out = '';
  const child = spawn(process.execPath, serverNodeArgs(), {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: url, DATA_SECRET: 'spawned-test-secret-0123456789abcdef012345', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    return exited;
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode} before it was ready:\n${out}`);
    const ok = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`server not ready within ${READY_TIMEOUT_MS / 1000} s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, child, output: () => out, exited, stop };
}
