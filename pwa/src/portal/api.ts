// The portal speaks to its own endpoint, /portal/graphql, with the link's token as `Authorization: Portal <token>`
// (WebSocket: the connection parameter `portalToken`). The token comes from the link the customer opened:
// /p/#<token> (the fragment never reaches a server's access log) or /p/<token>.
import type { Client } from 'graphql-ws';
import { ApiError, documentId, graphql, unknownDocument } from '../shared/api';

export const PORTAL_URL = '/portal/graphql';

export function linkToken(loc: Location = location): string {
  const fromHash = decodeURIComponent(loc.hash.replace(/^#\/?/, ''));
  if (fromHash) return fromHash;
  const m = /\/[pb]\/([^/?#]+)/.exec(loc.pathname);
  return m ? decodeURIComponent(m[1]) : '';
}

export function ask<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  return graphql<T>(query, variables, { url: PORTAL_URL, authorization: `Portal ${linkToken()}` });
}

/** A booking link's page (/b/#<token>): the same endpoint, the token as `Authorization: Booking <token>`. */
export function isBookingPage(loc: Location = location): boolean {
  return /^\/b(\/|$)/.test(loc.pathname);
}

export function askBooking<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  return graphql<T>(query, variables, { url: PORTAL_URL, authorization: `Booking ${linkToken()}` });
}

/** The code of a refused request (PORTAL_LINK_EXPIRED, PORTAL_LINK_REVOKED, ...), or the client's own kind. */
export function errorCode(e: unknown): string {
  if (e instanceof ApiError) return String(e.errors[0]?.extensions?.code ?? e.kind.toUpperCase());
  return 'NETWORK';
}

let client: Promise<Client> | null = null;

/** The socket's client, loaded after the page is shown (graphql-ws is not on the first paint's path). */
function liveClient(onStart: () => void): Promise<Client> {
  client ??= import('graphql-ws').then(({ createClient }) => {
    const url = new URL(PORTAL_URL, location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return createClient({
      url: url.href,
      connectionParams: () => ({ portalToken: linkToken() }),
      lazy: true,
      retryAttempts: Infinity,
      shouldRetry: () => true,
      on: { connected: () => onStart() },
    });
  });
  return client;
}

/** Follows a subscription; `onStart` runs each time the socket (re)connects, so the page reloads what it missed. */
export function follow<T>(query: string, next: (data: T) => void, onStart: () => void): () => void {
  let stop: (() => void) | null = null;
  let stopped = false;
  // by its trusted-document id (the package wants a `query` string: it stays empty); as text when the server does
  // not know the id (a page cached from another build)
  const start = (c: Client, byText: boolean) => {
    const id = byText ? null : documentId(query);
    const payload = id ? { query: '', documentId: id } : { query };
    stop = c.subscribe<T>(payload, {
      next: (r) => r.data && next(r.data),
      error: (errors) => {
        if (id && !stopped && unknownDocument(errors)) start(c, true);
      },
      complete: () => undefined,
    });
  };
  void liveClient(onStart).then((c) => {
    if (!stopped) start(c, false);
  });
  return () => {
    stopped = true;
    stop?.();
  };
}
