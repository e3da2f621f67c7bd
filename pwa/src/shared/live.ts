// Live updates over graphql-transport-ws on /graphql: one shared socket, authenticated in connection_init,
// reconnecting with backoff when the network returns. (Interface fixed here; the implementation is being written.)

export interface LiveHandlers<T> {
  next: (data: T) => void;
  error?: (errors: unknown) => void;
}

/** Starts a subscription; returns a function that stops it. */
export function subscribe<T>(
  _query: string,
  _variables: Record<string, unknown>,
  _handlers: LiveHandlers<T>,
): () => void {
  return () => {};
}

/** 'open' | 'connecting' | 'closed', for a small indicator. */
export type LiveStatus = 'open' | 'connecting' | 'closed';
