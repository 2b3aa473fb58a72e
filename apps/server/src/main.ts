/**
 * Entry point: load the configuration, build the app, listen, and shut down gracefully on
 * SIGTERM/SIGINT (stop accepting, let requests in flight finish, close the database).
 */
import { loadConfig } from './config';
import { buildApp } from './app';

const started = Date.now();
const config = loadConfig();
const app = await buildApp(config);
await app.listen({ port: config.PORT, host: config.HOST });
const addr = app.server.address();
const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
app.log.info({ ms: Date.now() - started, database: app.database.kind }, 'ready');
if (config.LOG_LEVEL !== 'silent') {
  console.log(`\n  一网 Yiwang is ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${app.database.kind})\n  Web:  http://localhost:${port}/\n  API:  http://localhost:${port}/api\n  Docs: http://localhost:${port}/docs\n`);
}

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  app.log.info({ signal }, 'shutting down');
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
