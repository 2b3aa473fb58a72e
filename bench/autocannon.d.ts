// autocannon ships no types; the benchmark uses a small part of its API.
declare module 'autocannon' {
  interface Result {
    latency: { p50: number; p90: number; p99: number; max: number };
    requests: { average: number; total: number };
    non2xx: number;
    errors: number;
  }
  function autocannon(opts: Record<string, unknown>): Promise<Result>;
  export default autocannon;
}
