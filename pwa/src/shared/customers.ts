import { authedGraphql } from './auth';
import { cacheCustomers, cachedCustomers } from './db';
import type { Customer } from './types';

export const CUSTOMERS_PAGE_SIZE = 20;

const CUSTOMERS = `query Customers($search: String, $first: Int, $after: String) {
  customers(search: $search, first: $first, after: $after) {
    edges { cursor node { id name phone email vehicles { id registration make model } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export interface CustomerPage {
  customers: Customer[];
  hasNextPage: boolean;
  endCursor: string | null;
  /** True when this page came from the device because the server could not be reached. */
  fromCache?: boolean;
}

interface Connection {
  edges: { cursor: string; node: Customer }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export async function fetchCustomers(search: string, after: string | null, signal?: AbortSignal): Promise<CustomerPage> {
  const data = await authedGraphql<{ customers: Connection }>(
    CUSTOMERS,
    { search: search || null, first: CUSTOMERS_PAGE_SIZE, after },
    { signal },
  );
  const page: CustomerPage = {
    customers: data.customers.edges.map((e) => ({ ...e.node, vehicles: e.node.vehicles ?? [] })),
    hasNextPage: data.customers.pageInfo.hasNextPage,
    endCursor: data.customers.pageInfo.endCursor,
  };
  if (!after) {
    void cacheCustomers({ key: search, ...page, savedAt: Date.now() }).catch(() => undefined);
  }
  return page;
}

export async function cachedCustomerPage(search: string): Promise<CustomerPage | null> {
  const hit = await cachedCustomers(search).catch(() => undefined);
  return hit ? { customers: hit.customers, hasNextPage: false, endCursor: null, fromCache: true } : null;
}
