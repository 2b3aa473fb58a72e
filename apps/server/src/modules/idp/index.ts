/**
 * A simulated real-name identity provider (模拟实名身份认证平台) that speaks OpenID Connect:
 * discovery, JWKS, authorization code flow with PKCE (S256 only), token and userinfo endpoints.
 * It stands in for the national or provincial identity platform, which cannot exist on a
 * development machine; the relying party (identity module) talks to it exactly as to a real
 * provider, so a real one replaces it by configuration (OIDC_ISSUER, OIDC_CLIENT_ID, _SECRET).
 *
 * It keeps its own registry of people (resident ID number, name, mobile, password) and of
 * enterprises (credit code, name, legal representative, authorised staff) in idp_* tables,
 * apart from the platform's accounts, as an external system would.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createHash, randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, importJWK, jwtVerify, type JWK, type CryptoKey } from 'jose';
import { sql } from 'kysely';
import type { Db } from '../../db/database';
import { randomToken, safeEqual, sha256 } from '../../shared/crypto';
import { maskResidentId } from '../../shared/masking';
import { validateResidentId, validateUscc } from '../../shared/validators';
import { hashPassword, verifyPassword } from '../identity';

export interface IdpClient {
  clientId: string;
  clientSecret?: string;
  redirectUris: string[];
}

export interface IdpOptions {
  db: Db;
  issuer: string;
  clients: IdpClient[];
  maxFailures: number;
  lockMinutes: number;
  loginRatePerMinute: number;
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

const ALG = 'ES256';

/** The provider's signing key, created on first use and kept in node_meta. */
async function signingKey(db: Db): Promise<SigningKey> {
  const row = await db.selectFrom('node_meta').select('value').where('key', '=', 'idp.signing_key').executeTakeFirst();
  let jwk = row?.value as (JWK & { kid: string }) | undefined;
  if (!jwk) {
    const { privateKey } = await generateKeyPair(ALG, { extractable: true });
    jwk = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: ALG, use: 'sig' } as JWK & { kid: string };
    await db
      .insertInto('node_meta')
      .values({ key: 'idp.signing_key', value: JSON.stringify(jwk) })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    // Another process may have won the race: use whatever is stored.
    jwk = (await db.selectFrom('node_meta').select('value').where('key', '=', 'idp.signing_key').executeTakeFirstOrThrow()).value as JWK & { kid: string };
  }
  const { d: _d, ...pub } = jwk;
  return { kid: jwk.kid, privateKey: (await importJWK(jwk, ALG)) as CryptoKey, publicJwk: pub };
}

export async function registerIdpPerson(db: Db, p: { idNumber: string; name: string; mobile?: string; password: string }) {
  await db
    .insertInto('idp_people')
    .values({ id_number: p.idNumber, name: p.name, mobile: p.mobile ?? null, password_hash: await hashPassword(p.password) })
    .onConflict((oc) => oc.column('id_number').doNothing())
    .execute();
}

export async function registerIdpEnterprise(db: Db, e: { uscc: string; name: string; legalRepIdNumber: string; staffIdNumbers?: string[] }) {
  await db
    .insertInto('idp_enterprises')
    .values({ uscc: e.uscc, name: e.name, legal_rep_id_number: e.legalRepIdNumber, staff_id_numbers: JSON.stringify(e.staffIdNumbers ?? []) })
    .onConflict((oc) => oc.column('uscc').doNothing())
    .execute();
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

interface AuthzParams {
  client_id: string;
  redirect_uri: string;
  response_type: string;
  scope: string;
  state: string;
  nonce?: string;
  code_challenge: string;
  code_challenge_method: string;
  login_type?: string;
}

function page(params: AuthzParams, error?: { zh: string; en: string }, values: { id_number?: string; uscc?: string } = {}): string {
  const enterprise = params.login_type === 'enterprise';
  const hidden = Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(String(v))}">`)
    .join('');
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>统一身份认证（模拟） · Identity provider (simulated)</title>
<style>
 body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;background:#f2f4f7;color:#1a1a1a;font-size:18px}
 header{background:#a61b1b;color:#fff;padding:16px 24px} header h1{margin:0;font-size:22px}
 main{max-width:460px;margin:32px auto;background:#fff;padding:28px;border-radius:8px;box-shadow:0 1px 4px rgba(0,0,0,.15)}
 label{display:block;margin:16px 0 6px;font-weight:600} input[type=text],input[type=password]{width:100%;box-sizing:border-box;font-size:18px;padding:12px;border:1px solid #5c5c5c;border-radius:4px}
 input:focus,button:focus{outline:3px solid #0b4f9c;outline-offset:2px}
 button{margin-top:24px;width:100%;min-height:48px;font-size:18px;background:#0b4f9c;color:#fff;border:0;border-radius:4px;cursor:pointer}
 .err{background:#fdecea;border:1px solid #a61b1b;color:#7a1010;padding:12px;border-radius:4px} .note{color:#444;font-size:15px;margin-top:20px}
</style></head>
<body><header><h1>统一身份认证平台（演示模拟）<span lang="en"> · Identity provider (simulated)</span></h1></header>
<main>
<h2>${enterprise ? '法人登录 <span lang="en">Enterprise sign-in</span>' : '个人登录 <span lang="en">Personal sign-in</span>'}</h2>
${error ? `<p class="err" role="alert">${esc(error.zh)} <span lang="en">${esc(error.en)}</span></p>` : ''}
<form method="post" action="authorize">
${hidden}
${enterprise ? `<label for="uscc">统一社会信用代码 <span lang="en">Unified social credit code</span></label><input id="uscc" name="uscc" type="text" autocomplete="off" required value="${esc(values.uscc ?? '')}">` : ''}
<label for="id_number">${enterprise ? '经办人' : ''}身份证号码 <span lang="en">Resident ID number</span></label>
<input id="id_number" name="id_number" type="text" autocomplete="username" required value="${esc(values.id_number ?? '')}">
<label for="password">密码 <span lang="en">Password</span></label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">登录并授权 <span lang="en">Sign in and continue</span></button>
</form>
<p class="note">本页模拟省级统一身份认证平台，仅用于演示与测试。<span lang="en">This page simulates the provincial identity platform for demonstration and tests only.</span></p>
</main></body></html>`;
}

export function idpRoutes(opts: IdpOptions) {
  let keyPromise: Promise<SigningKey> | undefined;
  const key = () => (keyPromise ??= signingKey(opts.db));
  const clientOf = (id: string) => opts.clients.find((c) => c.clientId === id);
  const limit = { max: opts.loginRatePerMinute, timeWindow: '1 minute' };

  const oauthError = (reply: FastifyReply, status: number, error: string, description: string) =>
    reply.code(status).header('cache-control', 'no-store').send({ error, error_description: description });

  return async function routes(app: FastifyInstance) {
    await app.register(import('@fastify/formbody'));
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    // The provider is a separate system: its writes (codes issued, failures counted) are its own
    // records; the sign-in itself is audited by the relying party.
    const cfg = { access: 'public' as const, audit: 'none' as const, csrf: false };

    r.get('/.well-known/openid-configuration', { schema: { hide: true }, config: cfg }, async () => ({
      issuer: opts.issuer,
      authorization_endpoint: `${opts.issuer}/authorize`,
      token_endpoint: `${opts.issuer}/token`,
      userinfo_endpoint: `${opts.issuer}/userinfo`,
      jwks_uri: `${opts.issuer}/jwks`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: [ALG],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'none'],
      scopes_supported: ['openid', 'profile'],
      claims_supported: ['sub', 'name', 'id_number', 'phone_number', 'login_type', 'uscc', 'enterprise_name', 'operator_role'],
    }));

    r.get('/jwks', { schema: { hide: true }, config: cfg }, async () => ({ keys: [(await key()).publicJwk] }));

    const AuthzQuery = Type.Object({
      client_id: Type.String({ maxLength: 128 }),
      redirect_uri: Type.String({ maxLength: 1024 }),
      response_type: Type.String({ maxLength: 32 }),
      scope: Type.String({ maxLength: 256 }),
      state: Type.String({ minLength: 8, maxLength: 256 }),
      nonce: Type.Optional(Type.String({ maxLength: 256 })),
      code_challenge: Type.String({ minLength: 43, maxLength: 128 }),
      code_challenge_method: Type.String({ maxLength: 16 }),
      login_type: Type.Optional(Type.Union([Type.Literal('person'), Type.Literal('enterprise')])),
    });

    /** Checks the request before showing or accepting the form; a bad redirect URI is never followed. */
    function checkAuthz(p: AuthzParams): { status: number; msg: string } | null {
      const client = clientOf(p.client_id);
      if (!client) return { status: 400, msg: 'unknown client_id' };
      if (!client.redirectUris.includes(p.redirect_uri)) return { status: 400, msg: 'redirect_uri not registered' };
      if (p.response_type !== 'code') return { status: 400, msg: 'response_type must be code' };
      if (!p.scope.split(' ').includes('openid')) return { status: 400, msg: 'scope must include openid' };
      if (p.code_challenge_method !== 'S256') return { status: 400, msg: 'PKCE with S256 is required' };
      return null;
    }

    r.get('/authorize', { schema: { hide: true, querystring: AuthzQuery }, config: cfg }, async (req, reply) => {
      const bad = checkAuthz(req.query);
      if (bad) return reply.code(bad.status).type('text/plain; charset=utf-8').send(`invalid_request: ${bad.msg}`);
      return reply.type('text/html; charset=utf-8').send(page(req.query));
    });

    const AuthzForm = Type.Object({
      ...AuthzQuery.properties,
      id_number: Type.String({ maxLength: 32 }),
      password: Type.String({ maxLength: 256 }),
      uscc: Type.Optional(Type.String({ maxLength: 32 })),
    });

    r.post('/authorize', { schema: { hide: true, body: AuthzForm }, config: { ...cfg, rateLimit: limit } }, async (req, reply) => {
      const b = req.body;
      const params: AuthzParams = {
        client_id: b.client_id, redirect_uri: b.redirect_uri, response_type: b.response_type, scope: b.scope, state: b.state,
        nonce: b.nonce, code_challenge: b.code_challenge, code_challenge_method: b.code_challenge_method, login_type: b.login_type,
      };
      const bad = checkAuthz(params);
      if (bad) return reply.code(bad.status).type('text/plain; charset=utf-8').send(`invalid_request: ${bad.msg}`);
      const idNumber = b.id_number.trim().toUpperCase();
      const again = (status: number, zh: string, en: string) =>
        reply.code(status).type('text/html; charset=utf-8').send(page(params, { zh, en }, { id_number: idNumber, uscc: b.uscc }));

      if (!validateResidentId(idNumber).ok) return again(400, '身份证号码格式或校验位不正确。', 'The resident ID number is not valid.');
      const person = await opts.db.selectFrom('idp_people').selectAll().where('id_number', '=', idNumber).executeTakeFirst();
      if (person?.locked_until && person.locked_until > new Date()) return again(423, '登录失败次数过多，请稍后再试。', 'Too many failed attempts; try again later.');
      if (!(await verifyPassword(person?.password_hash, b.password)) || !person) {
        if (person) {
          await opts.db
            .updateTable('idp_people')
            .set({
              failed_logins: sql`failed_logins + 1`,
              locked_until: sql`CASE WHEN failed_logins + 1 >= ${opts.maxFailures} THEN now() + make_interval(mins => ${opts.lockMinutes}) ELSE locked_until END`,
            })
            .where('id_number', '=', idNumber)
            .execute();
        }
        return again(401, '身份证号码或密码错误。', 'Wrong ID number or password.');
      }
      await opts.db.updateTable('idp_people').set({ failed_logins: 0, locked_until: null }).where('id_number', '=', idNumber).execute();

      const claims: Record<string, unknown> = {
        sub: sha256(`${b.client_id}|${idNumber}`), // pairwise subject per client
        name: person.name,
        id_number: idNumber,
        ...(person.mobile ? { phone_number: person.mobile } : {}),
        login_type: b.login_type ?? 'person',
      };
      if (b.login_type === 'enterprise') {
        const uscc = (b.uscc ?? '').trim().toUpperCase();
        if (!validateUscc(uscc).ok) return again(400, '统一社会信用代码不正确。', 'The unified social credit code is not valid.');
        const ent = await opts.db.selectFrom('idp_enterprises').selectAll().where('uscc', '=', uscc).executeTakeFirst();
        const role = ent?.legal_rep_id_number === idNumber ? 'legal_rep' : ent?.staff_id_numbers.includes(idNumber) ? 'staff' : null;
        if (!ent || !role) return again(403, '您不是该企业的法定代表人或登记的经办人。', 'You are not the legal representative or registered staff of this enterprise.');
        Object.assign(claims, { uscc, enterprise_name: ent.name, operator_role: role });
      }
      const code = randomToken(32);
      await opts.db
        .insertInto('idp_codes')
        .values({
          code_hash: sha256(code),
          client_id: b.client_id,
          redirect_uri: b.redirect_uri,
          code_challenge: b.code_challenge,
          nonce: b.nonce ?? null,
          claims: JSON.stringify(claims),
          expires_at: new Date(Date.now() + 120_000),
        })
        .execute();
      req.log.info({ who: maskResidentId(idNumber) }, 'idp: signed in');
      const target = new URL(b.redirect_uri);
      target.searchParams.set('code', code);
      target.searchParams.set('state', b.state);
      target.searchParams.set('iss', opts.issuer);
      return reply.redirect(target.toString(), 303);
    });

    const TokenForm = Type.Object({
      grant_type: Type.String({ maxLength: 64 }),
      code: Type.String({ maxLength: 256 }),
      redirect_uri: Type.String({ maxLength: 1024 }),
      client_id: Type.String({ maxLength: 128 }),
      code_verifier: Type.String({ maxLength: 256 }),
      client_secret: Type.Optional(Type.String({ maxLength: 256 })),
    });

    r.post('/token', { schema: { hide: true, body: TokenForm }, config: cfg }, async (req, reply) => {
      const b = req.body;
      if (b.grant_type !== 'authorization_code') return oauthError(reply, 400, 'unsupported_grant_type', 'only authorization_code');
      const client = clientOf(b.client_id);
      if (!client || (client.clientSecret && !(b.client_secret && safeEqual(b.client_secret, client.clientSecret))))
        return oauthError(reply, 401, 'invalid_client', 'client authentication failed');
      // Single use: the code is claimed atomically; a replay finds it used.
      const row = await opts.db
        .updateTable('idp_codes')
        .set({ used_at: sql`now()` })
        .where('code_hash', '=', sha256(b.code))
        .where('used_at', 'is', null)
        .where('expires_at', '>', sql<Date>`now()`)
        .returningAll()
        .executeTakeFirst();
      if (!row || row.client_id !== b.client_id || row.redirect_uri !== b.redirect_uri)
        return oauthError(reply, 400, 'invalid_grant', 'code invalid, expired or already used');
      const challenge = createHash('sha256').update(b.code_verifier).digest('base64url');
      if (!safeEqual(challenge, row.code_challenge)) return oauthError(reply, 400, 'invalid_grant', 'PKCE verification failed');
      const k = await key();
      const now = Math.floor(Date.now() / 1000);
      const idToken = await new SignJWT({ ...row.claims, ...(row.nonce ? { nonce: row.nonce } : {}), auth_time: now, amr: ['pwd'] })
        .setProtectedHeader({ alg: ALG, kid: k.kid, typ: 'JWT' })
        .setIssuer(opts.issuer)
        .setAudience(b.client_id)
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(k.privateKey);
      const accessToken = await new SignJWT({ ...row.claims, scope: 'openid profile' })
        .setProtectedHeader({ alg: ALG, kid: k.kid, typ: 'at+jwt' })
        .setIssuer(opts.issuer)
        .setAudience(`${opts.issuer}/userinfo`)
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(k.privateKey);
      return reply.header('cache-control', 'no-store').send({ access_token: accessToken, token_type: 'Bearer', expires_in: 300, id_token: idToken });
    });

    r.get('/userinfo', { schema: { hide: true }, config: cfg }, async (req, reply) => {
      const auth = req.headers.authorization;
      if (!auth?.startsWith('Bearer ')) return oauthError(reply, 401, 'invalid_token', 'bearer token required');
      try {
        const k = await key();
        const { payload } = await jwtVerify(auth.slice(7), await importJWK(k.publicJwk, ALG), { issuer: opts.issuer, audience: `${opts.issuer}/userinfo` });
        const { iss: _i, aud: _a, iat: _t, exp: _e, scope: _s, ...claims } = payload;
        return claims;
      } catch {
        return oauthError(reply, 401, 'invalid_token', 'token invalid or expired');
      }
    });
  };
}
