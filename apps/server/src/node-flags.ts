/**
 * Flags the server's Node.js process is started with: `npm start` (package.json), the spawned-server
 * tests and the benchmarks (test/spawn-server.ts), and so every worker of SERVER_PROCESSES (node:cluster
 * forks with the supervisor's flags). An operator starting `main.ts` by hand gives them too
 * (docs/operations.md, "Starting the server"); main.ts warns when they are missing.
 *
 * --max-semi-space-size=64 (MB): V8's young generation may grow to 64 MB semi-spaces instead of 16.
 * Almost everything a request allocates (parsed bodies, query rows, answers) dies young; with more
 * room it is collected a quarter as often, and each collection copies only what is still alive.
 * The verification API's server CPU per request fell by about 15 % (bench/exchange-verify.ts, session
 * 7), for up to ~100 MB more memory per process.
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=64'] as const;

/** The flags this process lacks (given neither on its command line nor in NODE_OPTIONS). */
export const missingNodeFlags = (): string[] =>
  SERVER_NODE_FLAGS.filter((f) => !process.execArgv.includes(f) && !(process.env.NODE_OPTIONS ?? '').split(/\s+/).includes(f));
