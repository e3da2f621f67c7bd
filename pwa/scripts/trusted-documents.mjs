// Trusted documents: a Vite plugin that writes <outDir>/trusted-documents.json,
//   {"version": 1, "documents": {"<sha256 hex of the exact text>": "<text>"}},
// with every GraphQL operation the build's modules send (every input: the staff app and the portal).
//
// A document is a string or template literal that starts with `query|mutation|subscription Name`. Its text is
// evaluated at build time exactly as the browser will build it: literal parts plus the constants it interpolates
// (`${BOARD_JOB}`), followed through `const` declarations and imports across modules. Anything else inside `${}`
// (a function argument, a call) stops the build with the file and line, so no document can be sent that the
// manifest does not hold. The server (backend/api/trusted.py) loads the file of the dist it serves.
import { createHash } from 'node:crypto';

const OPERATION = /^\s*(query|mutation|subscription)\s+[_A-Za-z]/;
const SOURCE = /\/src\/.*\.[cm]?[jt]sx?$/;

function sha256(text) {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Calls visit(node, parent) for every node of an ESTree tree. */
function walk(node, visit, parent = null) {
  if (!node || typeof node.type !== 'string') return;
  visit(node, parent);
  for (const key of Object.keys(node)) {
    if (key === 'parent') continue;
    const value = node[key];
    if (Array.isArray(value)) value.forEach((child) => walk(child, visit, node));
    else if (value && typeof value === 'object' && typeof value.type === 'string') walk(value, visit, node);
  }
}

function lineOf(code, offset) {
  return code.slice(0, offset).split('\n').length;
}

function isDocument(node) {
  if (node.type === 'TemplateLiteral') return OPERATION.test(node.quasis[0]?.value.cooked ?? '');
  return node.type === 'Literal' && typeof node.value === 'string' && OPERATION.test(node.value);
}

export function trustedDocuments({ fileName = 'trusted-documents.json' } = {}) {
  /** id -> { code, consts: Map<name, node[]>, imports: Map<local, {from, name}>, exports: Map<name, local>, documents } */
  const modules = new Map();

  function evaluate(node, mod, trail) {
    switch (node.type) {
      case 'Literal':
        if (typeof node.value === 'string') return node.value;
        break;
      case 'TemplateLiteral': {
        let text = node.quasis[0].value.cooked;
        node.expressions.forEach((expression, i) => {
          text += evaluate(expression, mod, trail) + node.quasis[i + 1].value.cooked;
        });
        return text;
      }
      case 'BinaryExpression':
        if (node.operator === '+') return evaluate(node.left, mod, trail) + evaluate(node.right, mod, trail);
        break;
      case 'ParenthesizedExpression':
      case 'TSAsExpression':
      case 'TSSatisfiesExpression':
        return evaluate(node.expression, mod, trail);
      case 'Identifier':
        return constant(node.name, mod, node, trail);
      default:
        break;
    }
    throw new Error(`${mod.id}:${lineOf(mod.code, node.start)}: a GraphQL document interpolates something that is ` +
      `not a constant string (${mod.code.slice(node.start, Math.min(node.end, node.start + 60))}); ` +
      'build it from string constants so the trusted-documents manifest can hold it');
  }

  function constant(name, mod, node, trail) {
    const key = `${mod.id}#${name}`;
    if (trail.includes(key)) throw new Error(`${mod.id}: the constant ${name} refers to itself`);
    const next = [...trail, key];
    const declared = mod.consts.get(name);
    if (declared?.length === 1) return evaluate(declared[0], mod, next);
    const imported = mod.imports.get(name);
    if (imported && !declared) {
      const target = modules.get(imported.from);
      const local = target?.exports.get(imported.name);
      if (target && local) return constant(local, target, node, next);
    }
    throw new Error(`${mod.id}:${lineOf(mod.code, node.start)}: a GraphQL document interpolates ${name}, which is ` +
      'not one module-level string constant this build can follow');
  }

  return {
    name: 'mototrack-trusted-documents',
    apply: 'build',
    enforce: 'post',
    async transform(code, id) {
      if (!SOURCE.test(id) || id.includes('/node_modules/')) return null;
      const ast = this.parse(code);
      const mod = { id, code, consts: new Map(), imports: new Map(), exports: new Map(), documents: [] };
      const pending = [];
      walk(ast, (node, parent) => {
        if (node.type === 'VariableDeclaration' && node.kind === 'const') {
          for (const d of node.declarations) {
            if (d.id.type === 'Identifier' && d.init) {
              mod.consts.set(d.id.name, [...(mod.consts.get(d.id.name) ?? []), d.init]);
            }
          }
          if (parent?.type === 'ExportNamedDeclaration') {
            for (const d of node.declarations) if (d.id.type === 'Identifier') mod.exports.set(d.id.name, d.id.name);
          }
        } else if (node.type === 'ExportNamedDeclaration' && !node.source) {
          for (const s of node.specifiers ?? []) {
            mod.exports.set(s.exported.name ?? s.exported.value, s.local.name ?? s.local.value);
          }
        } else if (node.type === 'ImportDeclaration') {
          for (const s of node.specifiers) {
            if (s.type === 'ImportSpecifier') {
              pending.push({ source: node.source.value, local: s.local.name, name: s.imported.name ?? s.imported.value });
            }
          }
        } else if (isDocument(node)) {
          mod.documents.push(node);
        }
      });
      for (const { source, local, name } of pending) {
        const resolved = await this.resolve(source, id);
        if (resolved && !resolved.external) mod.imports.set(local, { from: resolved.id, name });
      }
      modules.set(id, mod);
      return null;
    },
    generateBundle() {
      const documents = {};
      const problems = [];
      for (const mod of modules.values()) {
        for (const node of mod.documents) {
          try {
            const text = evaluate(node, mod, []);
            documents[sha256(text)] = text;
          } catch (error) {
            problems.push(error.message);
          }
        }
      }
      if (problems.length) this.error(problems.join('\n'));
      const sorted = Object.fromEntries(Object.entries(documents).sort(([a], [b]) => a.localeCompare(b)));
      this.emitFile({
        type: 'asset',
        fileName,
        source: JSON.stringify({ version: 1, documents: sorted }, null, 1) + '\n',
      });
    },
  };
}
