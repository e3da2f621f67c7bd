// The portal speaks to its own endpoint, /portal/graphql, with the link's token as `Authorization: Portal <token>`
// (WebSocket: the connection parameter `portalToken`). The token comes from the link the customer opened:
// /p/#<token> (the fragment never reaches a server's access log) or /p/<token>.
import { createClient, type Client } from 'graphql-ws';
import { ApiError, graphql } from '../shared/api';

export const PORTAL_URL = '/portal/graphql';

export function linkToken(loc: Location = location): string {
  const fromHash = decodeURIComponent(loc.hash.replace(/^#\/?/, ''));
  if (fromHash) return fromHash;
  const m = /\/p\/([^/?#]+)/.exec(loc.pathname);
  return m ? decodeURIComponent(m[1]) : '';
}

export function ask<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  return graphql<T>(query, variables, { url: PORTAL_URL, authorization: `Portal ${linkToken()}` });
}

/** The code of a refused request (PORTAL_LINK_EXPIRED, PORTAL_LINK_REVOKED, ...), or the client's own kind. */
export function errorCode(e: unknown): string {
  if (e instanceof ApiError) return String(e.errors[0]?.extensions?.code ?? e.kind.toUpperCase());
  return 'NETWORK';
}

let client: Client | null = null;

/** Follows a subscription; `onStart` runs each time the socket (re)connects, so the page reloads what it missed. */
export function follow<T>(query: string, next: (data: T) => void, onStart: () => void): () => void {
  if (!client) {
    const url = new URL(PORTAL_URL, location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    client = createClient({
      url: url.href,
      connectionParams: () => ({ portalToken: linkToken() }),
      lazy: true,
      retryAttempts: Infinity,
      shouldRetry: () => true,
      on: { connected: () => onStart() },
    });
  }
  return client.subscribe<T>({ query }, {
    next: (r) => r.data && next(r.data),
    error: () => undefined,
    complete: () => undefined,
  });
}
