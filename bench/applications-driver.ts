/**
 * An HTTP client for the applications API as real users reach it (no app.inject): citizens
 * sign in through the simulated real-name provider (OIDC code flow with a cookie jar), officers
 * with their password. Shared by bench/applications.ts and test/applications-crash.test.ts.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export const DEMO_STAFF_PASSWORD = 'Yiwang@2026';
export const DEMO_PERSON_PASSWORD = 'Demo@2026';

export interface HttpClient {
  req(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; ms: number }>;
  me: Record<string, any>;
}

class Jar {
  private readonly c = new Map<string, string>();
  take(res: Response): void {
    for (const h of res.headers.getSetCookie()) {
      const [pair] = h.split(';');
      const i = pair.indexOf('=');
      this.c.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
    }
  }
  header(): string {
    return [...this.c].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/**
 * One keep-alive agent for all clients. The API calls go through node:http rather than global
 * fetch: undici's fetch costs ~0.5 ms of CPU per call, and the load generator shares the 2 cores
 * with the server and PostgreSQL it measures. Same HTTP semantics: cookie jar, CSRF header, JSON
 * bodies, no redirects followed.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, scheduling: 'lifo' });

function client(base: string, jar: Jar, me: Record<string, any>): HttpClient {
  const u = new URL(base);
  return {
    me,
    req(method, path, body, headers = {}) {
      const t0 = performance.now();
      const payload = body !== undefined ? JSON.stringify(body) : undefined;
      const h: Record<string, string | number> = { cookie: jar.header(), 'x-csrf-token': String(me.csrfToken ?? '') };
      if (payload !== undefined) {
        h['content-type'] = 'application/json';
        h['content-length'] = Buffer.byteLength(payload);
      } else if (method !== 'GET' && method !== 'HEAD') h['content-length'] = 0;
      Object.assign(h, headers);
      return new Promise((resolve, reject) => {
        const r = http.request({ host: u.hostname, port: u.port, path, method, headers: h, agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const ms = performance.now() - t0;
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : null;
            } catch {
              /* not JSON */
            }
            resolve({ status: res.statusCode ?? 0, body: parsed, ms });
          });
        });
        r.on('error', reject);
        r.end(payload);
      });
    },
  };
}

export async function staffLoginHttp(base: string, username: string): Promise<HttpClient> {
  const jar = new Jar();
  const res = await fetch(`${base}/api/auth/staff/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: DEMO_STAFF_PASSWORD }) });
  if (res.status !== 200) throw new Error(`staff login ${username}: ${res.status} ${await res.text()}`);
  jar.take(res);
  const me = await (await fetch(`${base}/api/auth/me`, { headers: { cookie: jar.header() } })).json();
  return client(base, jar, me);
}

export async function personLoginHttp(base: string, idNumber: string): Promise<HttpClient> {
  const jar = new Jar();
  const start = await fetch(`${base}/api/auth/oidc/login?type=person&returnTo=/portal`, { redirect: 'manual' });
  jar.take(start);
  if (start.status !== 302) throw new Error(`oidc start: ${start.status}`);
  const authorize = new URL(start.headers.get('location')!, base);
  const form = new URLSearchParams(authorize.searchParams);
  form.set('id_number', idNumber);
  form.set('password', DEMO_PERSON_PASSWORD);
  const posted = await fetch(`${base}/idp/authorize`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header() }, body: form.toString(), redirect: 'manual' });
  jar.take(posted);
  if (posted.status !== 303) throw new Error(`idp authorize: ${posted.status} ${(await posted.text()).slice(0, 300)}`);
  const back = new URL(posted.headers.get('location')!, base);
  const cb = await fetch(`${base}${back.pathname}${back.search}`, { headers: { cookie: jar.header() }, redirect: 'manual' });
  jar.take(cb);
  if (cb.status !== 302) throw new Error(`oidc callback: ${cb.status} ${await cb.text()}`);
  const me = await (await fetch(`${base}/api/auth/me`, { headers: { cookie: jar.header() } })).json();
  return client(base, jar, me);
}

/** p-th percentile of a list of milliseconds. */
export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}
