/**
 * Babel plugin for Jest only: NestJS 12's ES modules read `import.meta.url` (to build a local
 * `require`), which has no meaning once Babel turns them into CommonJS. It becomes the file URL
 * of the module, built from `__filename` without calling `require` (which they shadow).
 */
module.exports = function importMetaToCommonJs({ types: t }) {
  return {
    visitor: {
      MetaProperty(path) {
        if (path.node.meta.name !== 'import' || path.node.property.name !== 'meta') return;
        path.replaceWith(
          t.objectExpression([
            t.objectProperty(
              t.identifier('url'),
              t.binaryExpression('+', t.stringLiteral('file://'), t.identifier('__filename')),
            ),
          ]),
        );
      },
    },
  };
};
