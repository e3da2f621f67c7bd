// The user guide, served by the app at /help: made at build time from docs/help/<lang>/*.md (English and Thai, one
// chapter per role) and the screenshots the e2e tests write to docs/help/img/, rendered to static HTML with marked.
// No script and no inline style on the pages, so the app's CSP holds.
//
//   node scripts/help-docs.mjs [outDir]     (default: dist; `npm run build` runs it after vite)
//
// Sections are level-2 headings with an explicit, language-independent anchor: `## Opening a job card {#open-job-card}`.
// The staff app's "?" (src/main/help.ts) links a screen to /help/<lang>/<chapter>#<anchor>, so both languages must
// have the same chapters and the same anchors: the build stops when they differ, when a page links to a chapter or
// a section that does not exist, or when it shows an image that is not in docs/help/img.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Marked } from 'marked';

const here = dirname(fileURLToPath(import.meta.url));
const pwa = resolve(here, '..');
const source = resolve(pwa, '..', 'docs', 'help');
const outDir = resolve(pwa, process.argv[2] || 'dist', 'help');

export const LANGUAGES = ['en', 'th'];
/** The chapters in reading order (file docs/help/<lang>/<slug>.md); the index page of a language lists them. */
export const CHAPTERS = ['getting-started', 'reception', 'site-manager', 'workshop-manager', 'technician', 'warehouse',
  'billing', 'admin', 'portal', 'operations'];

const UI = {
  en: { guide: 'MotoTrack user guide', contents: 'Chapters', onPage: 'On this page', other: 'ไทย', back: 'Back to the app',
    footer: 'Screenshots are taken by the app\'s own browser tests, so they show the app as it is.' },
  th: { guide: 'คู่มือการใช้งาน MotoTrack', contents: 'สารบัญ', onPage: 'ในหน้านี้', other: 'English', back: 'กลับไปที่แอป',
    footer: 'ภาพหน้าจอในคู่มือนี้ถ่ายจากการทดสอบอัตโนมัติของแอปเอง จึงตรงกับแอปที่ใช้อยู่จริง' },
};

const ANCHOR = /\s*\{#([a-z0-9-]+)\}\s*$/;
const slugify = (text) => text.toLowerCase().replace(/<[^>]+>/g, '').replace(/[^\p{L}\p{M}\p{N}\s-]/gu, '').trim()
  .replace(/\s+/g, '-');
const escape = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function fail(message) {
  console.error(`help docs: ${message}`);
  process.exit(1);
}

/** One chapter's Markdown to HTML, with its title, its sections (level-2 headings) and what it links to. */
function render(markdown, file) {
  const marked = new Marked({ gfm: true });
  const out = { title: '', sections: [], links: [], images: [] };
  const used = new Set();
  marked.use({
    renderer: {
      heading({ tokens, depth, text: raw }) {
        const explicit = raw.match(ANCHOR);
        let html = this.parser.parseInline(tokens);
        if (explicit) html = html.replace(ANCHOR, '');
        const id = explicit ? explicit[1] : slugify(html);
        if (depth === 2 && !explicit) fail(`${file}: the section "${raw}" needs an anchor such as {#${slugify(raw)}}`);
        if (used.has(id)) fail(`${file}: the anchor #${id} is used twice`);
        used.add(id);
        if (depth === 1) out.title = html.replace(/<[^>]+>/g, '');
        if (depth === 2) out.sections.push({ id, text: html });
        return `<h${depth} id="${id}">${html}</h${depth}>\n`;
      },
      link({ href, title, tokens }) {
        const text = this.parser.parseInline(tokens);
        let target = href;
        if (!/^([a-z]+:|\/|#)/.test(href)) {  // another chapter: `site-manager.md#job-card` -> `site-manager#job-card`
          const m = href.match(/^([a-z0-9-]+)\.md(#[a-z0-9-]+)?$/);
          if (!m) fail(`${file}: link "${href}" should name a chapter as <chapter>.md#<anchor>`);
          out.links.push({ chapter: m[1], anchor: m[2]?.slice(1) });
          target = m[1] + (m[2] || '');
        } else if (href.startsWith('#')) {
          out.links.push({ chapter: null, anchor: href.slice(1) });
        }
        return `<a href="${escape(target)}"${title ? ` title="${escape(title)}"` : ''}>${text}</a>`;
      },
      image({ href, text }) {
        const m = href.match(/^\.\.\/img\/([a-z0-9-]+\.png)$/);
        if (!m) fail(`${file}: image "${href}" should be ../img/<name>.png (a screenshot an e2e test takes)`);
        out.images.push(m[1]);
        return `<figure><img src="../img/${m[1]}" alt="${escape(text)}" loading="lazy"></figure>`;
      },
    },
  });
  out.html = marked.parse(markdown);
  if (!out.title) fail(`${file}: the chapter needs a title (# ...)`);
  return out;
}

function page(lang, slug, chapter, chapters) {
  const ui = UI[lang];
  const other = lang === 'en' ? 'th' : 'en';
  const nav = CHAPTERS.map((c) => `<li><a href="${c}"${c === slug ? ' aria-current="page"' : ''}>${chapters[c].title}</a></li>`)
    .join('');
  const toc = chapter.sections.length > 1
    ? `<nav class="toc" aria-label="${ui.onPage}"><p class="toc-title">${ui.onPage}</p><ul>${chapter.sections
      .map((s) => `<li><a href="#${s.id}">${s.text}</a></li>`).join('')}</ul></nav>`
    : '';
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(chapter.title)} · ${ui.guide}</title>
<link rel="stylesheet" href="../help.css">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
</head>
<body>
<header class="bar"><a class="brand" href="./">${ui.guide}</a><span class="tools"><a href="../${other}/${slug === 'index' ? '' : slug}" hreflang="${other}" lang="${other}" data-testid="help-language">${ui.other}</a><a href="/">${ui.back}</a></span></header>
<main>
<nav class="chapters" aria-label="${ui.contents}"><p class="chapters-title">${ui.contents}</p><ul>${nav}</ul></nav>
<div class="page">${toc}<article>${chapter.html}</article></div>
</main>
<footer>${ui.footer}</footer>
</body>
</html>
`;
}

function indexPage(lang, chapters) {
  const ui = UI[lang];
  const intro = render(readFileSync(join(source, lang, 'index.md'), 'utf8'), `${lang}/index.md`);
  const list = CHAPTERS.map((c) => `<li><a href="${c}">${chapters[c].title}</a>${chapters[c].summary
    ? `<p>${chapters[c].summary}</p>` : ''}</li>`).join('');
  return page(lang, 'index', { ...intro, sections: [], html: `${intro.html}<ul class="chapter-list">${list}</ul>` },
    chapters);
}

const CSS = `:root{color-scheme:light;--bg:#f1f5f9;--surface:#fff;--ink:#0f172a;--ink-2:#475569;--line:#e2e8f0;--bar:#0f172a;
--bar-ink:#f8fafc;--primary:#c2410c;--radius:12px;--font:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans Thai','Noto Sans',Sarabun,Loma,Garuda,Arial,sans-serif}
*{box-sizing:border-box}html{scroll-padding-top:1rem}body{margin:0;background:var(--bg);color:var(--ink);font:16px/1.6 var(--font)}
.bar{display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:center;justify-content:space-between;padding:.5rem 1rem;background:var(--bar);color:var(--bar-ink)}
.bar a{color:var(--bar-ink);text-decoration:none;min-height:44px;display:inline-flex;align-items:center}
.brand{font-weight:700}.tools{display:flex;gap:1rem}.tools a{text-decoration:underline}
main{max-width:1180px;margin:0 auto;padding:1rem;display:grid;gap:1rem;grid-template-columns:minmax(0,1fr)}
.chapters{order:2}.chapters-title{margin:0 0 .5rem;font-weight:600}
.chapters ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem .5rem}
.chapters a{display:inline-flex;align-items:center;min-height:44px;padding:0 .75rem;border-radius:999px;background:var(--surface);border:1px solid var(--line);color:var(--ink);text-decoration:none}
.chapters a[aria-current]{background:var(--primary);border-color:var(--primary);color:#fff;font-weight:600}
.page{display:grid;gap:1rem;grid-template-columns:minmax(0,1fr)}
article,.toc{background:var(--surface);border:1px solid var(--line);border-radius:var(--radius);padding:1rem}
article{min-width:0;overflow-wrap:anywhere}
.toc-title{margin:0 0 .25rem;font-weight:600}.toc ul{margin:0;padding-left:1.1rem}.toc li{margin:.2rem 0}
@media (min-width:1000px){main{grid-template-columns:230px minmax(0,1fr)}.chapters{order:0}.chapters ul{flex-direction:column}
.chapters a{border-radius:8px;width:100%}.chapters{position:sticky;top:1rem;align-self:start}}
@media (min-width:1280px){.page{grid-template-columns:minmax(0,1fr) 220px}.toc{order:2;position:sticky;top:1rem;align-self:start}}
h1{font-size:1.75rem;line-height:1.25;margin:.25rem 0 1rem}h2{font-size:1.375rem;margin:2rem 0 .5rem;padding-top:.5rem;border-top:1px solid var(--line)}
h3{font-size:1.125rem;margin:1.25rem 0 .25rem}a{color:var(--primary)}
code{background:var(--bg);padding:.1em .3em;border-radius:4px;font-size:.92em}pre{background:var(--bg);padding:.75rem;border-radius:8px;overflow:auto}
pre code{padding:0}table{border-collapse:collapse;display:block;overflow-x:auto;max-width:100%}th,td{border:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top}
figure{margin:1rem 0}img{display:block;max-width:100%;height:auto;max-height:80vh;border:1px solid var(--line);border-radius:8px}
.chapter-list{padding-left:1.1rem}.chapter-list p{margin:0 0 .5rem;color:var(--ink-2)}
:target{scroll-margin-top:1rem}h2:target{color:var(--primary)}
footer{color:var(--ink-2);font-size:.875rem;text-align:center;padding:1rem}`;

// ---- read and check everything first, then write
const images = existsSync(join(source, 'img')) ? new Set(readdirSync(join(source, 'img')).filter((f) => f.endsWith('.png'))) : new Set();
const built = {};
for (const lang of LANGUAGES) {
  built[lang] = {};
  for (const slug of CHAPTERS) {
    const file = join(source, lang, `${slug}.md`);
    if (!existsSync(file)) fail(`docs/help/${lang}/${slug}.md is missing`);
    const markdown = readFileSync(file, 'utf8');
    const chapter = render(markdown, `${lang}/${slug}.md`);
    // the first paragraph after the title is the chapter's summary on the index page
    chapter.summary = (markdown.split('\n\n').find((p, i) => i > 0 && !p.startsWith('#') && !p.startsWith('!')) || '')
      .replace(/\n/g, ' ').replace(/\[([^\]]+)\]\([^)]+\)/g, '$1').replace(/[*`]/g, '').slice(0, 240);
    chapter.summary = escape(chapter.summary);
    built[lang][slug] = chapter;
  }
}
for (const slug of CHAPTERS) {
  const [a, b] = LANGUAGES.map((l) => built[l][slug].sections.map((s) => s.id).join(' '));
  if (a !== b) fail(`${slug}: the sections differ between the languages:\n  en: ${a}\n  th: ${b}`);
}
for (const lang of LANGUAGES) {
  for (const slug of CHAPTERS) {
    const chapter = built[lang][slug];
    for (const { chapter: to, anchor } of chapter.links) {
      const target = built[lang][to ?? slug];
      if (!target) fail(`${lang}/${slug}.md links to a chapter that does not exist: ${to}`);
      if (anchor && !target.html.includes(`id="${anchor}"`)) fail(`${lang}/${slug}.md links to a missing section: ${to ?? slug}#${anchor}`);
    }
    for (const name of chapter.images) if (!images.has(name)) fail(`${lang}/${slug}.md shows ${name}, which is not in docs/help/img`);
  }
}

for (const lang of LANGUAGES) {
  mkdirSync(join(outDir, lang), { recursive: true });
  for (const slug of CHAPTERS) writeFileSync(join(outDir, lang, `${slug}.html`), page(lang, slug, built[lang][slug], built[lang]));
  writeFileSync(join(outDir, lang, 'index.html'), indexPage(lang, built[lang]));
}
mkdirSync(join(outDir, 'img'), { recursive: true });
for (const name of images) copyFileSync(join(source, 'img', name), join(outDir, 'img', name));
writeFileSync(join(outDir, 'help.css'), CSS + '\n');
// what the tests and the "?" links check against: every chapter's sections, per language
writeFileSync(join(outDir, 'sections.json'), JSON.stringify(Object.fromEntries(LANGUAGES.map((l) => [l,
  Object.fromEntries(CHAPTERS.map((c) => [c, built[l][c].sections.map((s) => s.id)]))])), null, 1) + '\n');
console.log(`help docs: ${CHAPTERS.length} chapters in ${LANGUAGES.join(', ')}, ${images.size} screenshots, in ${outDir}`);
