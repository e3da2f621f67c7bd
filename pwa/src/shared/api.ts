// A small GraphQL-over-HTTP client. GraphQL failures arrive with HTTP 200, so success is decided by the
// body: `errors` (top level) become an ApiError; `errors` inside a mutation payload are data the caller shows.
import { getLocale } from './format';

export const GRAPHQL_URL = '/graphql';

export type ApiErrorKind =
  | 'network' // no response: offline, DNS, connection refused, timeout
  | 'server' // 5xx or a body that is not GraphQL
  | 'unauthenticated' // extensions.code UNAUTHENTICATED
  | 'forbidden' // extensions.code FORBIDDEN
  | 'graphql'; // any other GraphQL error

export interface GraphQLErrorEntry {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; [key: string]: unknown };
}

export class ApiError extends Error {
  constructor(
    readonly kind: ApiErrorKind,
    message: string,
    readonly errors: GraphQLErrorEntry[] = [],
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Worth retrying later: the request may not have reached the server or the server failed. */
  get retryable(): boolean {
    return this.kind === 'network' || this.kind === 'server';
  }
}

export interface RequestOptions {
  token?: string | null;
  /** The whole Authorization header (the portal's `Portal <token>`); wins over `token`. */
  authorization?: string | null;
  /** Another endpoint (the portal's /portal/graphql); default /graphql. */
  url?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

function operationName(query: string): string | undefined {
  return /^\s*(?:query|mutation|subscription)\s+(\w+)/.exec(query)?.[1];
}

function classify(errors: GraphQLErrorEntry[]): ApiErrorKind {
  const codes = errors.map((e) => e.extensions?.code);
  if (codes.includes('UNAUTHENTICATED')) return 'unauthenticated';
  if (codes.includes('FORBIDDEN')) return 'forbidden';
  return 'graphql';
}

/** Sends one GraphQL operation and returns `data`, or throws an ApiError. */
export async function graphql<T>(
  query: string,
  variables: Record<string, unknown> = {},
  options: RequestOptions = {},
): Promise<T> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    Accept: 'application/graphql-response+json, application/json',
    'Accept-Language': getLocale(),
  };
  if (options.authorization) headers.Authorization = options.authorization;
  else if (options.token) headers.Authorization = `Bearer ${options.token}`;

  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), options.timeoutMs ?? 20000);
  const onAbort = () => timeout.abort();
  options.signal?.addEventListener('abort', onAbort);

  let response: Response;
  try {
    response = await fetch(options.url ?? GRAPHQL_URL, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables, operationName: operationName(query) }),
      signal: timeout.signal,
      credentials: 'same-origin',
    });
  } catch (e) {
    if (options.signal?.aborted) throw e; // the caller cancelled: not a network failure
    throw new ApiError('network', e instanceof Error ? e.message : String(e));
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }

  let body: { data?: T | null; errors?: GraphQLErrorEntry[] } | null = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (body && Array.isArray(body.errors) && body.errors.length) {
    const kind = classify(body.errors);
    throw new ApiError(kind, body.errors[0].message, body.errors, response.status);
  }
  if (!response.ok || !body || body.data == null) {
    throw new ApiError('server', `HTTP ${response.status}`, [], response.status);
  }
  return body.data;
}
