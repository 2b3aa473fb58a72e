#!/usr/bin/env node
// Builds the web app when its output is missing or older than its sources, so that
// `npm start` serves the current UI without rebuilding every time. `--force` always builds.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'apps/web/dist/index.html');

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'dist' || e.name === 'node_modules') continue;
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const force = process.argv.includes('--force');
if (!force && existsSync(out) && statSync(out).mtimeMs >= newest(join(root, 'apps/web'))) process.exit(0);
console.log('Building the web app (vite)…');
const r = spawnSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'apps/web/vite.config.ts', '--logLevel', 'warn'], {
  cwd: root,
  stdio: 'inherit',
  // A test runner's NODE_ENV=test would make React and antd ship their development builds.
  env: { ...process.env, NODE_ENV: 'production' },
});
process.exit(r.status ?? 1);
