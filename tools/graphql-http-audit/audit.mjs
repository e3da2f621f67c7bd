#!/usr/bin/env node
// Runs the GraphQL-over-HTTP server audits of the npm package `graphql-http`
// against a running MotoTrack endpoint and prints every result.
//
//   node audit.mjs [url]          (default: $GRAPHQL_URL or http://127.0.0.1:8000/graphql)
//
// Exit status: 0 when no audit has status "error" (warnings and notices are
// printed but allowed), 1 when at least one does, 2 when the audit could not run.
import { serverAudits } from 'graphql-http';

const url = process.argv[2] || process.env.GRAPHQL_URL || 'http://127.0.0.1:8000/graphql';

const ICON = { ok: 'PASS  ', notice: 'NOTICE', warn: 'WARN  ', error: 'ERROR ' };

async function describeResponse(res) {
  if (!res) return '';
  let body = '';
  try {
    // The body of some responses is consumed by the audit itself; clone defensively.
    const copy = typeof res.clone === 'function' && !res.bodyUsed ? res.clone() : res;
    body = await copy.text();
  } catch (err) {
    body = `<body unavailable: ${err && err.message ? err.message : err}>`;
  }
  if (body.length > 2000) body = body.slice(0, 2000) + '...';
  const headers = [];
  try {
    for (const [k, v] of res.headers.entries()) {
      if (k === 'content-type' || k === 'content-length' || k === 'allow') headers.push(`${k}: ${v}`);
    }
  } catch {
    /* ignore */
  }
  return `        response: ${res.status} ${res.statusText || ''} ${headers.join('; ')}\n        body: ${body}`;
}

async function main() {
  console.log(`graphql-http server audit of ${url}`);
  const audits = serverAudits({ url });
  const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
  const failures = [];
  for (const audit of audits) {
    let result;
    try {
      result = await audit.fn();
    } catch (err) {
      // A thrown error is fatal for this audit (network error, etc.): count it as an error.
      result = {
        id: audit.id,
        name: audit.name,
        status: 'error',
        reason: `audit threw: ${err && err.stack ? err.stack : err}`,
        response: null,
      };
    }
    counts[result.status] = (counts[result.status] || 0) + 1;
    console.log(`${ICON[result.status] || result.status} ${result.id} ${result.name}`);
    if (result.status !== 'ok') {
      console.log(`        reason: ${result.reason}`);
      const detail = await describeResponse(result.response);
      if (detail) console.log(detail);
      if (result.status === 'error') failures.push(result);
    }
  }
  console.log('');
  console.log(
    `${audits.length} audits: ${counts.ok} passed, ${counts.notice} notices, ` +
      `${counts.warn} warnings, ${counts.error} errors`,
  );
  if (failures.length) {
    console.log('Failing (required) audits:');
    for (const f of failures) console.log(`  - ${f.id} ${f.name}: ${f.reason}`);
    process.exit(1);
  }
}

main().catch((err) => {
  console.error('audit could not run:', err);
  process.exit(2);
});
