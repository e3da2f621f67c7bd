#!/usr/bin/env node
// Turns the "pwa" context entries of the backend's Babel catalogs into JSON modules the app imports,
// so every PWA string lives in the one catalog translators use and still works offline.
//
//   backend/locale/<lang>/LC_MESSAGES/messages.po  --(msgctxt "pwa")-->  src/generated/messages.<lang>.json
//
// It also checks src/: every t("...") / tn("...", "...") literal must have a non-fuzzy Thai translation,
// otherwise the build fails with the list of missing msgids.
import { readFileSync, writeFileSync, mkdirSync, existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const pwaDir = resolve(here, '..');
const localeDir = resolve(process.env.MOTOTRACK_LOCALE_DIR ?? join(pwaDir, '..', 'backend', 'locale'));
const outDir = join(pwaDir, 'src', 'generated');
const LANGS = ['en', 'th'];
const CONTEXT = 'pwa';

/** Decodes the body of a PO string literal (without the surrounding quotes). */
function unescape(s) {
  return s.replace(/\\(["\\abfnrtv]|[0-7]{1,3}|x[0-9a-fA-F]+)/g, (_, e) => {
    switch (e[0]) {
      case 'n': return '\n';
      case 't': return '\t';
      case 'r': return '\r';
      case 'a': return '\x07';
      case 'b': return '\b';
      case 'f': return '\f';
      case 'v': return '\v';
      case '"': return '"';
      case '\\': return '\\';
      case 'x': return String.fromCharCode(parseInt(e.slice(1), 16));
      default: return String.fromCharCode(parseInt(e, 8));
    }
  });
}

/**
 * Parses PO text into entries { msgctxt, msgid, msgidPlural, msgstr: string[], fuzzy, obsolete }.
 * Handles multi-line strings, plural forms, flags and obsolete (#~) entries.
 */
export function parsePo(text, fileName = '<po>') {
  const entries = [];
  let cur = null;
  let field = null; // [key, index]
  let sawContent = false;
  const flush = () => {
    if (cur && cur.msgid !== undefined) entries.push(cur);
    cur = null;
    field = null;
    sawContent = false;
  };
  const start = () => {
    if (!cur) cur = { msgctxt: null, msgid: undefined, msgidPlural: null, msgstr: [], fuzzy: false, obsolete: false };
  };
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    let line = raw.trim();
    if (line === '') { if (sawContent) flush(); return; }
    let obsolete = false;
    if (line.startsWith('#~')) { obsolete = true; line = line.slice(2).trim(); }
    else if (line.startsWith('#')) {
      // A comment after msgstr starts a new entry.
      if (sawContent && field && field[0] === 'msgstr') flush();
      start();
      if (line.startsWith('#,') && /\bfuzzy\b/.test(line)) cur.fuzzy = true;
      return;
    }
    const kw = /^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+"(.*)"$/.exec(line);
    if (kw) {
      const [, key, idx, body] = kw;
      // A new msgctxt/msgid after a msgstr starts a new entry.
      if ((key === 'msgctxt' || key === 'msgid') && cur && field && field[0] === 'msgstr') flush();
      start();
      if (obsolete) cur.obsolete = true;
      sawContent = true;
      const value = unescape(body);
      if (key === 'msgctxt') { cur.msgctxt = value; field = ['msgctxt']; }
      else if (key === 'msgid') { cur.msgid = value; field = ['msgid']; }
      else if (key === 'msgid_plural') { cur.msgidPlural = value; field = ['msgidPlural']; }
      else { const n = idx === undefined ? 0 : Number(idx); cur.msgstr[n] = value; field = ['msgstr', n]; }
      return;
    }
    const cont = /^"(.*)"$/.exec(line);
    if (cont && cur && field) {
      const value = unescape(cont[1]);
      if (field[0] === 'msgstr') cur.msgstr[field[1]] += value;
      else cur[field[0]] += value;
      return;
    }
    throw new Error(`${fileName}:${i + 1}: cannot parse line: ${raw}`);
  });
  flush();
  return entries;
}

function loadCatalog(lang) {
  const file = join(localeDir, lang, 'LC_MESSAGES', 'messages.po');
  const entries = existsSync(file) ? parsePo(readFileSync(file, 'utf8'), file) : [];
  return { file, entries };
}

/** Collects the t("...") and tn("...", "...") literals used in src/ (or in the folder given). */
function usedMsgids(root = join(pwaDir, 'src')) {
  const found = new Map();
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (name === 'generated') continue;
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(tsx?|mjs|js)$/.test(name)) {
        const src = readFileSync(p, 'utf8');
        const re = /\b(t|tn)\(\s*(['"])((?:\\.|(?!\2)[^\\])*)\2(?:\s*,\s*(['"])((?:\\.|(?!\4)[^\\])*)\4)?/g;
        let m;
        while ((m = re.exec(src))) {
          const id = m[3].replace(/\\(.)/g, '$1');
          if (!found.has(id)) found.set(id, p);
          if (m[1] === 'tn' && m[5] !== undefined) {
            const plural = m[5].replace(/\\(.)/g, '$1');
            if (!found.has(plural)) found.set(plural, p);
          }
        }
      }
    }
  };
  if (existsSync(root)) walk(root);
  return found;
}

mkdirSync(outDir, { recursive: true });
const problems = [];
const catalogs = {};
for (const lang of LANGS) {
  const { file, entries } = loadCatalog(lang);
  const messages = {};
  for (const e of entries) {
    if (e.obsolete || e.msgctxt !== CONTEXT || e.msgid === '') continue;
    if (e.fuzzy) continue; // a fuzzy translation is a guess: fall back to the English msgid
    const strs = e.msgstr.filter((s) => s !== undefined);
    if (strs.every((s) => s === '')) continue;
    messages[e.msgid] = e.msgidPlural !== null ? strs : strs[0];
    if (e.msgidPlural !== null) messages[e.msgidPlural] = strs;
  }
  catalogs[lang] = messages;
  const sorted = Object.fromEntries(Object.entries(messages).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  writeFileSync(join(outDir, `messages.${lang}.json`), JSON.stringify(sorted, null, 1) + '\n');
  console.log(`po2json: ${Object.keys(messages).length} "${CONTEXT}" messages for ${lang} (${file})`);
}

// The customer portal (src/portal) bundles only the messages its own code uses, not the staff app's.
const PORTAL_DIR = join(pwaDir, 'src', 'portal');
const portalIds = usedMsgids(PORTAL_DIR);
for (const lang of LANGS) {
  const portal = {};
  for (const id of portalIds.keys()) if (id in catalogs[lang]) portal[id] = catalogs[lang][id];
  const sorted = Object.fromEntries(Object.entries(portal).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  writeFileSync(join(outDir, `portal.${lang}.json`), JSON.stringify(sorted, null, 1) + '\n');
}

for (const [id, where] of usedMsgids()) {
  if (!(id in catalogs.th)) problems.push(`  missing Thai translation: ${JSON.stringify(id)} (used in ${where.slice(pwaDir.length + 1)})`);
}
if (problems.length) {
  console.error(`po2json: ${problems.length} PWA string(s) lack a non-fuzzy Thai translation in ${localeDir}/th/LC_MESSAGES/messages.po (msgctxt "${CONTEXT}"):`);
  console.error(problems.join('\n'));
  if (process.env.MOTOTRACK_I18N_LENIENT !== '1') process.exit(1);
}
