/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, e.g. a benchmark run with BENCH_CPU_PROF=<dir>):
 * the functions with the most self time, and self time per package / source file.
 *
 *   npx tsx bench/profile-top.ts <file.cpuprofile> [--top 40] [--last seconds]
 *
 * --last N keeps only the samples of the profile's last N seconds (a benchmark stops the server
 * right after its load phase, so this leaves out start-up and demo seeding).
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const file = process.argv[2];
if (!file) {
  console.error('usage: npx tsx bench/profile-top.ts <file.cpuprofile> [--top 40]');
  process.exit(2);
}
const topIdx = process.argv.indexOf('--top');
const TOP = topIdx > 0 ? Number(process.argv[topIdx + 1]) : 40;
const lastIdx = process.argv.indexOf('--last');
const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
if (lastIdx > 0) {
  const keepUs = Number(process.argv[lastIdx + 1]) * 1e6;
  const total = p.timeDeltas.reduce((a, b) => a + b, 0);
  let t = 0;
  let from = 0;
  while (from < p.timeDeltas.length && total - t > keepUs) t += p.timeDeltas[from++];
  p.samples = p.samples.slice(from);
  p.timeDeltas = p.timeDeltas.slice(from);
}
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);

const where = (url: string) => {
  if (!url) return '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return url;
  const src = url.indexOf('/src/');
  return src >= 0 ? url.slice(src + 1) : url;
};

const fns = new Map<string, number>();
const places = new Map<string, number>();
for (const [id, t] of self) {
  const n = byId.get(id)!;
  const f = n.callFrame;
  const key = `${f.functionName || '(anonymous)'}  ${where(f.url)}:${f.lineNumber + 1}`;
  fns.set(key, (fns.get(key) ?? 0) + t);
  const w = f.url ? where(f.url) : f.functionName;
  places.set(w, (places.get(w) ?? 0) + t);
}
const pct = (t: number) => `${((100 * t) / total).toFixed(1).padStart(5)} %`;
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled\n\nself time by function`);
for (const [k, t] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`  ${pct(t)}  ${k}`);
console.log('\nself time by package / file');
for (const [k, t] of [...places].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`  ${pct(t)}  ${k}`);

// Inclusive time of this project's functions (each sample counted once per function on its stack).
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const incl = new Map<string, number>();
p.samples.forEach((id, i) => {
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const f = byId.get(cur)!.callFrame;
    if (!f.url.includes('/apps/server/src/')) continue;
    const key = `${f.functionName || '(anonymous)'}  ${where(f.url)}:${f.lineNumber + 1}`;
    if (seen.has(key)) continue;
    seen.add(key);
    incl.set(key, (incl.get(key) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
});
console.log('\ninclusive time of apps/server functions');
for (const [k, t] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`  ${pct(t)}  ${k}`);
