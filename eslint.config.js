import neostandard from 'neostandard';

// neostandard (the Fastify demo's lint) for TypeScript, keeping this code base's style: semicolons,
// trailing commas in multi-line lists, no space before a named function's parenthesis, lines of at most 140 characters.
export default [
  ...neostandard({
    ts: true,
    semi: true,
    // *.gen.ts: written by openapi-typescript (npm run gen:api-types), not by hand.
    ignores: ['.data/**', '.tap/**', 'coverage/**', 'web/dist/**', 'dist/**', 'test-artifacts/**', 'web/shared/*.gen.ts'],
  }),
  {
    rules: {
      '@stylistic/comma-dangle': ['error', 'always-multiline'],
      '@stylistic/space-before-function-paren': ['error', { anonymous: 'always', named: 'never', asyncArrow: 'always' }],
      '@stylistic/max-len': ['error', { code: 140, ignoreUrls: true }],
      // `void promise` marks a promise deliberately not awaited (and, in tests, a call checked only by the type checker).
      'no-void': ['error', { allowAsStatement: true }],
    },
  },
];
