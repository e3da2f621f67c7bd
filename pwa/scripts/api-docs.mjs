// The integrators' API guide, served by the app at /docs: made at build time from the repository's committed
// schema.graphql (the reference, by graphql-markdown) and the hand-written pages in docs/ (api.md, webhooks.md),
// rendered to static HTML with marked. No script and no inline style on the pages, so the app's CSP holds.
//
//   node scripts/api-docs.mjs [outDir]      (default: dist; `npm run build` runs it after vite)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Marked } from 'marked';

const here = dirname(fileURLToPath(import.meta.url));
const pwa = resolve(here, '..');
const repo = resolve(pwa, '..');
const outDir = resolve(pwa, process.argv[2] || 'dist', 'docs');

const PAGES = [
  { slug: 'index', title: 'API guide', source: join(repo, 'docs', 'api.md') },
  { slug: 'webhooks', title: 'Webhooks', source: join(repo, 'docs', 'webhooks.md') },
  { slug: 'reference', title: 'Schema reference', source: null },
];

function reference() {
  const cli = join(pwa, 'node_modules', 'graphql-markdown', 'src', 'index.js');
  const markdown = execFileSync(process.execPath, [cli, join(repo, 'schema.graphql'), '--title', 'Schema reference',
    '--no-toc'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  // descriptions may hold words in angle brackets ("Bearer <token>"): text, not tags
  return markdown.replace(/<(token|key|id|secret)>/g, '&lt;$1&gt;');
}

const slugify = (text) => text.toLowerCase().replace(/<[^>]+>/g, '').replace(/[^\p{L}\p{N}\s-]/gu, '').trim()
  .replace(/\s+/g, '-');

function render(markdown) {
  const marked = new Marked({ gfm: true });
  const headings = [];
  marked.use({
    renderer: {
      heading({ tokens, depth }) {
        const text = this.parser.parseInline(tokens);
        const id = slugify(text);
        if (depth === 2) headings.push({ id, text });
        return `<h${depth} id="${id}">${text}</h${depth}>\n`;
      },
    },
  });
  return { html: marked.parse(markdown), headings };
}

function page({ slug, title }, body, headings) {
  const nav = PAGES.map((p) => `<a href="${p.slug === 'index' ? './' : p.slug}"${p.slug === slug ? ' aria-current="page"' : ''}>${p.title}</a>`).join('');
  const toc = headings.length > 2
    ? `<nav class="toc" aria-label="On this page"><ul>${headings.map((h) => `<li><a href="#${h.id}">${h.text}</a></li>`).join('')}</ul></nav>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · MotoTrack API</title>
<link rel="stylesheet" href="docs.css">
</head>
<body>
<header><a class="brand" href="./">MotoTrack API</a><nav class="pages">${nav}</nav></header>
<main>${toc}<article>${body}</article></main>
<footer>Made from schema.graphql at build time · <a href="/graphql">GraphiQL</a> (outside production)</footer>
</body>
</html>
`;
}

const CSS = `:root{color-scheme:light;--ink:#1c2430;--muted:#5b6676;--line:#dde3ea;--accent:#0b5cad;--code:#f4f6f9}
*{box-sizing:border-box}body{margin:0;font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans Thai",sans-serif;color:var(--ink)}
header{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;padding:.75rem 1rem;border-bottom:1px solid var(--line);position:sticky;top:0;background:#fff}
.brand{font-weight:700;color:var(--ink);text-decoration:none}.pages{display:flex;flex-wrap:wrap;gap:.25rem 1rem}
.pages a{color:var(--accent);text-decoration:none;padding:.5rem 0;min-height:44px;display:inline-flex;align-items:center}.pages a[aria-current]{font-weight:700;text-decoration:underline}
main{display:grid;grid-template-columns:minmax(0,1fr);gap:1rem;max-width:1100px;margin:0 auto;padding:1rem}
@media (min-width:1000px){main{grid-template-columns:220px minmax(0,1fr)}.toc{position:sticky;top:4rem;align-self:start;max-height:calc(100vh - 5rem);overflow:auto}}
.toc ul{list-style:none;padding:0;margin:0}.toc li{margin:.25rem 0}.toc a{color:var(--muted);text-decoration:none}
article{min-width:0}h1{font-size:1.8rem;line-height:1.2}h2{margin-top:2rem;border-bottom:1px solid var(--line);padding-bottom:.25rem}
a{color:var(--accent);overflow-wrap:anywhere}code{background:var(--code);padding:.1em .3em;border-radius:4px;font-size:.92em;overflow-wrap:anywhere}
pre{background:var(--code);padding:.75rem;border-radius:6px;overflow:auto}pre code{padding:0;background:none;overflow-wrap:normal}
table{border-collapse:collapse;display:block;overflow-x:auto;max-width:100%;margin:1rem 0}th,td{border:1px solid var(--line);padding:.35rem .5rem;vertical-align:top;text-align:left}
@media (max-width:600px){header{position:static}}
td a,td code{overflow-wrap:normal;white-space:nowrap}
footer{color:var(--muted);font-size:.9rem;padding:1rem;border-top:1px solid var(--line);text-align:center}`;

mkdirSync(outDir, { recursive: true });
for (const p of PAGES) {
  const markdown = p.source ? readFileSync(p.source, 'utf8') : reference();
  const { html, headings } = render(markdown);
  writeFileSync(join(outDir, `${p.slug}.html`), page(p, html, headings));
}
writeFileSync(join(outDir, 'docs.css'), CSS + '\n');
console.log(`api docs: ${PAGES.length} pages in ${outDir}`);
