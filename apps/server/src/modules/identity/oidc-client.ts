/**
 * OpenID Connect relying party (authorization code flow with PKCE, S256). Talks to whatever
 * provider the configuration names; with none, to the built-in simulated real-name provider.
 * The transport is injectable so the built-in provider can be reached in-process, whatever port
 * the node listens on; the protocol messages are the same either way.
 */
import { createHash } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, type JWTPayload, type JSONWebKeySet } from 'jose';
import { randomToken } from '../../shared/crypto';

export type Fetch = (url: string, init?: { method?: string; headers?: Record<string, string>; body?: string }) => Promise<Response>;

export interface OidcClientConfig {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  redirectUri: string;
  fetch: Fetch;
}

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
}

export interface PkceStart {
  url: string;
  state: string;
  nonce: string;
  codeVerifier: string;
}

export const s256 = (verifier: string): string => createHash('sha256').update(verifier).digest('base64url');

export class OidcClient {
  private discovery?: Discovery;
  private jwks?: ReturnType<typeof createLocalJWKSet>;

  constructor(private readonly cfg: OidcClientConfig) {}

  private async discover(): Promise<Discovery> {
    if (this.discovery) return this.discovery;
    const res = await this.cfg.fetch(`${this.cfg.issuer}/.well-known/openid-configuration`);
    if (!res.ok) throw new Error(`discovery failed: HTTP ${res.status}`);
    const d = (await res.json()) as Discovery;
    if (d.issuer !== this.cfg.issuer) throw new Error('discovery issuer mismatch');
    this.discovery = d;
    return d;
  }

  private async keys(refresh = false) {
    if (this.jwks && !refresh) return this.jwks;
    const d = await this.discover();
    const res = await this.cfg.fetch(d.jwks_uri);
    if (!res.ok) throw new Error(`JWKS fetch failed: HTTP ${res.status}`);
    this.jwks = createLocalJWKSet((await res.json()) as JSONWebKeySet);
    return this.jwks;
  }

  async start(extra: Record<string, string> = {}): Promise<PkceStart> {
    const d = await this.discover();
    const state = randomToken(24);
    const nonce = randomToken(24);
    const codeVerifier = randomToken(48);
    const q = new URLSearchParams({
      response_type: 'code',
      client_id: this.cfg.clientId,
      redirect_uri: this.cfg.redirectUri,
      scope: 'openid profile',
      state,
      nonce,
      code_challenge: s256(codeVerifier),
      code_challenge_method: 'S256',
      ...extra,
    });
    return { url: `${d.authorization_endpoint}?${q}`, state, nonce, codeVerifier };
  }

  /** Exchanges the code and returns the verified ID token's claims. */
  async finish(code: string, codeVerifier: string, nonce: string): Promise<JWTPayload> {
    const d = await this.discover();
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: this.cfg.redirectUri,
      client_id: this.cfg.clientId,
      code_verifier: codeVerifier,
      ...(this.cfg.clientSecret ? { client_secret: this.cfg.clientSecret } : {}),
    });
    const res = await this.cfg.fetch(d.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
    });
    const body = (await res.json()) as { id_token?: string; error?: string; error_description?: string };
    if (!res.ok || !body.id_token) throw new Error(body.error_description ?? body.error ?? `token endpoint HTTP ${res.status}`);
    const verify = async (refresh: boolean) =>
      jwtVerify(body.id_token!, await this.keys(refresh), { issuer: d.issuer, audience: this.cfg.clientId, maxTokenAge: '10m' });
    // A provider that rotated its key: fetch the key set once more before giving up.
    const { payload } = await verify(false).catch(() => verify(true));
    if (payload.nonce !== nonce) throw new Error('nonce mismatch');
    return payload;
  }
}
