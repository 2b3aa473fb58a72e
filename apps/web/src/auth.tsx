import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { ApiError, get, onUnauthorized, post, setCsrfToken } from './api';
import type { Me, NodeInfo } from './session';

type Status = 'loading' | 'anonymous' | 'signedIn' | 'error';

export type ActTarget = { as: 'self' } | { as: 'enterprise'; id: string } | { as: 'principal'; id: string };

interface Session {
  status: Status;
  me: Me | null;
  /** Why the session could not be determined (server down, …) when status is 'error'. */
  error: ApiError | null;
  /** The region this node serves, for the header; null until known or if unavailable. */
  node: NodeInfo | null;
  /** Set when the server ended the session (expired) while the user was working. */
  expired: boolean;
  refresh(): Promise<void>;
  staffLogin(input: { username: string; password: string; totp?: string }): Promise<Me>;
  /** Sign out. `then` replaces clearing the session state (e.g. a full page load to /login). */
  logout(then?: () => void): Promise<void>;
  act(target: ActTarget): Promise<Me>;
}

const SessionContext = createContext<Session | null>(null);

/** Full-page navigation to the OpenID Connect sign-in of citizens (person) or enterprises. */
export function oidcLoginUrl(type: 'person' | 'enterprise', returnTo: string): string {
  const q = new URLSearchParams({ type, returnTo });
  return `/api/auth/oidc/login?${q.toString()}`;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<Status>('loading');
  const [me, setMeState] = useState<Me | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [node, setNode] = useState<NodeInfo | null>(null);
  const [expired, setExpired] = useState(false);

  const meRef = useRef<Me | null>(null);

  const setMe = useCallback((value: Me | null) => {
    meRef.current = value;
    setCsrfToken(value?.csrfToken ?? null);
    setMeState(value);
    setStatus(value ? 'signedIn' : 'anonymous');
    setError(null);
    if (value) setExpired(false);
  }, []);

  const refresh = useCallback(async () => {
    try {
      setMe(await get<Me>('/api/auth/me', { quiet401: true }));
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) setMe(null);
      else if (e instanceof ApiError) {
        setError(e);
        setStatus('error');
      } else throw e;
    }
  }, [setMe]);

  useEffect(() => {
    void refresh();
    get<NodeInfo>('/api/node')
      .then(setNode)
      .catch(() => setNode(null)); // the header simply shows no region
  }, [refresh]);

  useEffect(
    () =>
      onUnauthorized(() => {
        if (meRef.current) setExpired(true);
        meRef.current = null;
        setMeState(null);
        setCsrfToken(null);
        setStatus('anonymous');
      }),
    [],
  );

  const staffLogin = useCallback(
    async (input: { username: string; password: string; totp?: string }) => {
      const body: Record<string, string> = { username: input.username, password: input.password };
      if (input.totp) body.totp = input.totp;
      const result = await post<Me>('/api/auth/staff/login', body, { quiet401: true });
      setMe(result);
      return result;
    },
    [setMe],
  );

  const logout = useCallback(async (then?: () => void) => {
    try {
      await post<void>('/api/auth/logout', undefined, { quiet401: true });
    } catch (e) {
      // A session that is already gone is signed out all the same.
      if (!(e instanceof ApiError && e.status === 401)) throw e;
    }
    setCsrfToken(null);
    if (then) then();
    else {
      setExpired(false);
      setMe(null);
    }
  }, [setMe]);

  const act = useCallback(
    async (target: ActTarget) => {
      const result = await post<Me>('/api/auth/act', target);
      setMe(result);
      return result;
    },
    [setMe],
  );

  const value = useMemo(
    () => ({ status, me, error, node, expired, refresh, staffLogin, logout, act }),
    [status, me, error, node, expired, refresh, staffLogin, logout, act],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const ctx = useContext(SessionContext);
  if (!ctx) throw new Error('useSession outside SessionProvider');
  return ctx;
}
