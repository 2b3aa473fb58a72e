import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { useSession } from '../auth';
import { canEnter, homeAreaOf, type Area } from '../session';
import { AreaLayout } from './AreaLayout';
import { Forbidden, Loading, ServerUnavailable } from './States';

/**
 * Guards an audience area: not signed in → the sign-in page (and back here afterwards);
 * signed in as the wrong kind of user → a 403 page inside the user's own area.
 */
export function RequireArea({ area, children }: { area: Area; children: ReactNode }) {
  const { status, me } = useSession();
  const location = useLocation();
  if (status === 'loading') return <Loading />;
  if (status === 'error') {
    return (
      <AreaLayout area="public">
        <ServerUnavailable />
      </AreaLayout>
    );
  }
  if (!me) {
    const returnTo = `${location.pathname}${location.search}${location.hash}`;
    return <Navigate to={`/login?returnTo=${encodeURIComponent(returnTo)}`} replace />;
  }
  if (!canEnter(me.account, area)) {
    return (
      <AreaLayout area={homeAreaOf(me.account)}>
        <Forbidden area={area} />
      </AreaLayout>
    );
  }
  return <>{children}</>;
}
