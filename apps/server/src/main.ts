/**
 * Entry point: load the configuration, build the app, listen, and shut down gracefully on
 * SIGTERM/SIGINT (stop accepting, let requests in flight finish, close the database).
 *
 * SERVER_PROCESSES=N (N > 1, PostgreSQL only) runs N server processes on the one port with
 * node:cluster: this process becomes a supervisor that builds no app. It forks the first worker
 * and waits until it is ready (it migrates and loads the demo node), then forks the others; a
 * worker that dies unexpectedly is replaced. SIGTERM/SIGINT reach every worker, each shuts down
 * gracefully, and the supervisor exits 0 when all did. What several processes share correctly is
 * listed in docs/operations.md, "Several server processes" (state in PostgreSQL; bounded caches).
 */
import cluster, { type Worker } from 'node:cluster';
import { loadConfig } from './config';
import { missingNodeFlags } from './node-flags';

const started = Date.now();
const config = loadConfig();
const processes = config.SERVER_PROCESSES;

if (cluster.isPrimary && missingNodeFlags().length && config.LOG_LEVEL !== 'silent')
  console.warn(`Started without ${missingNodeFlags().join(' ')}: about 15 % more CPU per request (see docs/operations.md, "Starting the server").`);
if (processes > 1 && cluster.isPrimary) await supervise();
else await serve();

async function serve(): Promise<void> {
  const { buildApp } = await import('./app');
  const worker = cluster.isWorker ? Number(process.env.YIWANG_WORKER ?? cluster.worker?.id ?? 0) : 0;
  const app = await buildApp(config);
  if (cluster.isWorker && process.env.YIWANG_LISTEN_WHEN_TOLD === '1') {
    // At start the supervisor opens the port once every worker is built: /readyz then means all of them.
    process.send?.({ yiwang: 'built' });
    await new Promise<void>((resolve) => process.on('message', (m: { yiwang?: string }) => m?.yiwang === 'listen' && resolve()));
  }
  await app.listen({ port: config.PORT, host: config.HOST });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
  app.log.info({ ms: Date.now() - started, database: app.database.kind, ...(worker ? { worker, pid: process.pid } : {}) }, 'ready');
  if (cluster.isWorker) process.send?.({ yiwang: 'ready', port });
  else if (config.LOG_LEVEL !== 'silent') banner(port, app.database.kind);

  let closing = false;
  async function shutdown(signal: string) {
    if (closing) return;
    closing = true;
    app.log.info({ signal, ...(worker ? { worker } : {}) }, 'shutting down');
    const force = setTimeout(() => {
      app.log.error('shutdown took too long; exiting');
      process.exit(1);
    }, 15_000);
    force.unref();
    // Connections that finish their request after close() began would otherwise stay open for the
    // keep-alive timeout; close them as soon as they are idle.
    setInterval(() => app.server.closeIdleConnections(), 100).unref();
    try {
      await app.close();
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, 'error during shutdown');
      process.exit(1);
    }
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // A worker whose supervisor is gone (killed) stops too, rather than serving on alone.
  if (cluster.isWorker) process.on('disconnect', () => void shutdown('disconnect'));
}

function banner(port: number, kind: string, workers?: number) {
  console.log(
    `\n  一网 Yiwang is ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${kind}${workers ? `, ${workers} server processes` : ''})\n  Web:  http://localhost:${port}/\n  API:  http://localhost:${port}/api\n  Docs: http://localhost:${port}/docs\n`,
  );
}

async function supervise(): Promise<void> {
  const say = (msg: string) => {
    if (config.LOG_LEVEL !== 'silent') console.log(`[supervisor ${process.pid}] ${msg}`);
  };
  if (!/^postgres(ql)?:\/\//.test(config.DATABASE_URL ?? '')) {
    console.error('SERVER_PROCESSES > 1 needs PostgreSQL (DATABASE_URL=postgres://…): the embedded database belongs to one process.');
    process.exit(2);
  }
  let closing = false;
  const live = new Set<Worker>();
  /**
   * Forks worker n. At start (`held`) it reports when its app is built and listens when told
   * (`listen()`); a replacement listens as soon as it is built.
   */
  const fork = (n: number, held: boolean) => {
    // One worker integrates the transparency log every 200 ms; the others only as a backstop (rounds
    // split among processes would each rewrite the tree's edge tiles and sign a head for fewer entries).
    const sequencer = n === 1 || process.env.TLOG_SEQUENCER_MS ? {} : { TLOG_SEQUENCER_MS: '2000' };
    const w = cluster.fork({ YIWANG_WORKER: String(n), YIWANG_LISTEN_WHEN_TOLD: held ? '1' : '0', ...sequencer });
    live.add(w);
    let ready = false;
    let onBuilt!: () => void;
    let onReady!: (port: number) => void;
    let onFailed!: (err: Error) => void;
    const built = new Promise<void>((resolve, reject) => {
      onBuilt = resolve;
      onFailed = reject;
    });
    const listening = new Promise<number>((resolve, reject) => {
      onReady = resolve;
      const previous = onFailed;
      onFailed = (err) => {
        previous(err);
        reject(err);
      };
    });
    // Whoever awaits these sees a failure; the copies here only keep it from being "unhandled".
    built.catch(() => undefined);
    listening.catch(() => undefined);
    w.on('message', (m: { yiwang?: string; port?: number }) => {
      if (m?.yiwang === 'built') onBuilt();
      if (m?.yiwang === 'ready') {
        ready = true;
        onBuilt();
        onReady(m.port ?? config.PORT);
      }
    });
    w.on('exit', (code, signal) => {
      live.delete(w);
      if (closing) return;
      if (!ready) return onFailed(new Error(`worker ${n} exited (${signal ?? code}) before it was ready`));
      say(`worker ${n} (pid ${w.process.pid}) exited (${signal ?? code}); starting a replacement`);
      setTimeout(() => void fork(n, false).listening.catch((e: Error) => say(e.message)), 1000).unref();
    });
    return { built, listening, listen: () => w.send({ yiwang: 'listen' }) };
  };

  const stop = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    say(`${signal}: stopping ${live.size} server processes`);
    const force = setTimeout(() => {
      say('server processes did not stop in time; exiting');
      process.exit(1);
    }, 20_000);
    force.unref();
    let failed = false;
    if (!live.size) process.exit(0);
    for (const w of live) {
      w.once('exit', (code) => {
        if (code !== 0) failed = true;
        if (live.size === 0) process.exit(failed ? 1 : 0);
      });
      w.process.kill('SIGTERM');
    }
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  try {
    // The first worker migrates and loads the demo node alone; the others then find both done.
    // The port opens once every worker is built.
    const first = fork(1, true);
    await first.built;
    const others = Array.from({ length: processes - 1 }, (_, i) => fork(i + 2, true));
    await Promise.all(others.map((w) => w.built));
    const workers = [first, ...others];
    for (const w of workers) w.listen();
    const [port] = await Promise.all(workers.map((w) => w.listening));
    if (config.LOG_LEVEL !== 'silent') banner(port, 'postgres', processes);
  } catch (err) {
    console.error(String(err));
    closing = true;
    for (const w of live) w.process.kill('SIGTERM');
    process.exitCode = 1;
  }
}
