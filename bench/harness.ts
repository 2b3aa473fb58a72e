/**
 * What the HTTP benchmarks share: start the real server (apps/server/src/main.ts) on a free port,
 * a bare node:http server answering fixed bytes (the comparison every ratio is measured against,
 * in the same run), an autocannon load phase, and the figures' formatting.
 *
 * BENCH_CPU_PROF=<dir> in the environment starts the real server with `node --cpu-prof` writing
 * into <dir> (the profile is written when the benchmark stops the server): open it in Chrome
 * DevTools or summarise it with `npx tsx bench/profile-top.ts <file>`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import { freePort } from '../test/pg-cluster';
import { serverNodeArgs } from '../test/spawn-server';

export { freePort };

/**
 * The URL the benchmark's server uses for its database: the Unix-domain socket, as a server and
 * PostgreSQL on one machine are configured (no TCP stack on either side of every query), or the
 * loopback TCP address with `--tcp` on the command line.
 */
export function serverDatabaseUrl(cluster: { url: string; socketUrl: string }, argv = process.argv): string {
  return argv.includes('--tcp') ? cluster.url : cluster.socketUrl;
}

/** DATA_SECRET of every benchmark's server (benchmarks that seal data themselves use the same one). */
export const BENCH_SECRET = 'bench-secret-0123456789abcdef0123456789abcdef';

export const fmt = (n: number, d = 1) => n.toLocaleString('en-US', { maximumFractionDigits: d });
export const log = (s: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`);
/** The machine's load average (1, 5, 15 min): other work on the machine inflates latencies, so every figure is quoted with it. */
export const loadAverage = () => `load average ${loadavg().map((l) => l.toFixed(2)).join(', ')}`;

export interface Server {
  child: ChildProcess;
  url: string;
}

/**
 * The real server with `env` (DATABASE_URL, DEMO_DATA, JOB_RUNNER, …) over the benchmark defaults
 * (PUBLIC_URL its own address, LOG_LEVEL warn, STRICT_AUDIT off, BENCH_SECRET); resolves when /readyz answers.
 */
export async function startServer(env: Record<string, string>, opts: { port?: number; readyTimeoutSeconds?: number; cwd?: string } = {}): Promise<Server> {
  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, serverNodeArgs(), {
    cwd: opts.cwd,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: url, LOG_LEVEL: 'warn', DATA_SECRET: BENCH_SECRET, STRICT_AUDIT: 'false', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
    void (async () => {
      for (let i = 0; i < (opts.readyTimeoutSeconds ?? 600) * 2; i++) {
        try {
          if ((await fetch(`${url}/readyz`)).ok) return resolve({ child, url });
        } catch {
          /* not yet */
        }
        await new Promise((r) => setTimeout(r, 500));
      }
      reject(new Error('server did not become ready'));
    })();
  });
}

/** Stops a server started here and waits for it to exit (a --cpu-prof profile is written on exit). */
export function stopServer(s: Server): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return Promise.resolve();
  s.child.removeAllListeners('exit');
  return new Promise((resolve) => {
    s.child.once('exit', () => resolve());
    s.child.kill();
  });
}

/**
 * A bare node:http server answering the bytes of `bodyFile` to every request (after reading the
 * request body); with `processes` > 1, that many node:cluster workers on the one port, as the real
 * server runs with SERVER_PROCESSES (the like-for-like comparison).
 */
export async function bareServer(bodyFile: string, processes = 1): Promise<Server> {
  const port = await freePort();
  const serve = `const http=require('node:http');const body=require('node:fs').readFileSync(${JSON.stringify(bodyFile)});
http.createServer((req,res)=>{req.resume();req.on('end',()=>{res.writeHead(200,{'content-type':'application/json; charset=utf-8','content-length':body.length});res.end(body);});}).listen(${port},'127.0.0.1',()=>process.send?process.send('up'):console.log('up'));`;
  const code =
    processes > 1
      ? `const cluster=require('node:cluster');if(cluster.isPrimary){let up=0;for(let i=0;i<${processes};i++)cluster.fork().on('message',()=>{if(++up===${processes})console.log('up');});process.on('SIGTERM',()=>{for(const w of Object.values(cluster.workers))w.kill();process.exit(0);});}else{${serve}}`
      : serve;
  const script = join(dirname(bodyFile), `bare-server-${port}.cjs`); // cluster workers re-run a script file
  writeFileSync(script, code);
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve({ child, url: `http://127.0.0.1:${port}` }));
    child.on('exit', (c) => reject(new Error(`bare server exited with ${c}`)));
  });
}

export interface Run {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  rps: number;
  total: number;
  non2xx: number;
  errors: number;
}

export interface LoadSpec {
  connections: number;
  /** Seconds. */
  duration: number;
  method?: 'GET' | 'POST';
  /** One path, or paths taken in rotation. */
  paths: string | string[];
  /** Request bodies taken in rotation (sent as JSON). */
  bodies?: string[];
  headers?: Record<string, string>;
}

/** One autocannon load phase against `url`. */
export async function load(url: string, spec: LoadSpec): Promise<Run> {
  const paths = typeof spec.paths === 'string' ? [spec.paths] : spec.paths;
  const bodies = spec.bodies;
  let i = 0;
  let k = 0;
  const headers = bodies ? { 'content-type': 'application/json', ...spec.headers } : { ...spec.headers };
  const r = await autocannon({
    url,
    connections: spec.connections,
    duration: spec.duration,
    requests: [
      {
        method: spec.method ?? (bodies ? 'POST' : 'GET'),
        headers,
        setupRequest: (req: Record<string, unknown>) => ({ ...req, path: paths[i++ % paths.length], ...(bodies ? { body: bodies[k++ % bodies.length] } : {}) }),
      },
    ],
  });
  return { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max, rps: r.requests.average, total: r.requests.total, non2xx: r.non2xx, errors: r.errors };
}

/** "A req/s vs bare node:http B req/s = R %" — both measured in the same run. */
export const ratioLine = (name: string, ours: Run, bare: Run, target: number) =>
  `${name} ${fmt(ours.rps, 0)} req/s vs bare node:http ${fmt(bare.rps, 0)} req/s = ${fmt((100 * ours.rps) / bare.rps)} % (target ≥ ${target} %)`;

/** `--processes 1,2` (the default): the numbers of server processes a benchmark measures, in order. */
export function processCounts(argv: string[], def: number[] = [1, 2]): number[] {
  const i = argv.indexOf('--processes');
  if (i < 0) return def;
  const counts = String(argv[i + 1] ?? '').split(',').map(Number);
  if (!counts.length || counts.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--processes takes a list of process counts, e.g. 1,2');
  return counts;
}

/**
 * The ratio lines of a run with `processes` server processes: against one bare node:http process and,
 * when processes > 1, against as many bare processes (like-for-like: the headline).
 */
export function ratioLines(name: string, ours: Run, bare1: Run, bareN: Run | null, processes: number, target: number): string[] {
  if (!bareN || processes === 1) return [ratioLine(name, ours, bare1, target)];
  return [
    `${ratioLine(`${name} (${processes} processes vs ${processes} bare)`, ours, bareN, target)}  ← like-for-like`,
    ratioLine(`${name} (${processes} processes vs 1 bare)`, ours, bare1, target),
  ];
}

/**
 * CPU seconds (user + system) a server process has used so far, from /proc (Linux). On a shared,
 * loaded machine requests per second measure mostly the CPU share a process gets; CPU time per
 * request does not, so the benchmarks print both.
 */
export function cpuSeconds(s: Server): number {
  return treeCpuSeconds(s.child.pid!);
}

/** CPU seconds of a process and its live descendants (a SERVER_PROCESSES supervisor and its workers). */
export function treeCpuSeconds(root: number): number {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* exited meanwhile */
    }
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid, hops = 0; p !== undefined && p > 1 && hops < 64; p = parent.get(p), hops++) if (p === root) return true;
    return false;
  };
  let total = 0;
  for (const pid of parent.keys()) {
    if (!inTree(pid)) continue;
    try {
      total += processCpuSeconds(pid);
    } catch {
      /* exited meanwhile */
    }
  }
  return total;
}

/** CPU seconds of a process; with `reaped`, also of its children it has waited for (cutime + cstime). */
export function processCpuSeconds(pid: number, reaped = false): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd on
  const ticks = Number(f[11]) + Number(f[12]) + (reaped ? Number(f[13]) + Number(f[14]) : 0); // utime + stime (+ cutime + cstime), 1/100 s
  return ticks / 100;
}

/** The PostgreSQL cluster's processes: the postmaster first, then its children (backends, background workers). */
export function postgresPids(cluster: { dataDir: string } | { postmasterPid: number }): number[] {
  const postmaster = 'postmasterPid' in cluster ? cluster.postmasterPid : Number(readFileSync(join(cluster.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const pids = [postmaster];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === postmaster) pids.push(Number(d));
    } catch {
      /* exited meanwhile */
    }
  }
  return pids;
}

/**
 * CPU seconds a PostgreSQL cluster has used so far: the postmaster with the backends it has reaped,
 * plus the backends still running (every process whose parent is the postmaster).
 */
export function postgresCpuSeconds(cluster: { dataDir: string } | { postmasterPid: number }): number {
  const [postmaster, ...children] = postgresPids(cluster);
  return children.reduce((total, pid) => total + processCpuSeconds(pid), processCpuSeconds(postmaster, true));
}

/** A load phase with the server's CPU time per request (µs) alongside. */
export async function measuredLoad(s: Server, spec: LoadSpec): Promise<Run & { cpuMicrosPerRequest: number }> {
  const c0 = cpuSeconds(s);
  const r = await load(s.url, spec);
  return { ...r, cpuMicrosPerRequest: ((cpuSeconds(s) - c0) * 1e6) / Math.max(1, r.total) };
}

/** The same comparison by CPU time per request: how the API's cost compares to bare node:http's, whatever the machine's load. */
export const cpuLine = (ours: { cpuMicrosPerRequest: number }, bare: { cpuMicrosPerRequest: number }) =>
  `CPU per request ${fmt(ours.cpuMicrosPerRequest, 0)} µs vs bare node:http ${fmt(bare.cpuMicrosPerRequest, 0)} µs = ${fmt((100 * bare.cpuMicrosPerRequest) / ours.cpuMicrosPerRequest)} % (server processes only, PostgreSQL not counted)`;

/**
 * The comparison phase: a bare node:http server answering `answer` (the API's own answer bytes)
 * under the same load (`spec`, after a 3 s warm-up), started and stopped here; logs and returns its figures.
 */
export async function bareRun(answer: string | Buffer, dir: string, spec: LoadSpec, processes = 1): Promise<Run & { cpuMicrosPerRequest: number }> {
  const bodyFile = join(dir, 'bare-answer.json');
  writeFileSync(bodyFile, answer);
  const bare = await bareServer(bodyFile, processes);
  try {
    await load(bare.url, { ...spec, duration: 3 });
    const b = await measuredLoad(bare, spec);
    log(`BARE node:http, ${processes} process${processes > 1 ? 'es' : ''} (same answer bytes): ${fmt(b.rps, 0)} req/s, p50 ${b.p50} ms, p99 ${b.p99} ms, CPU ${fmt(b.cpuMicrosPerRequest, 0)} µs per request`);
    return b;
  } finally {
    await stopServer(bare);
  }
}
