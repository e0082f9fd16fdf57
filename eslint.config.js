// ESLint: typescript-eslint's recommended type-checked rules (CONTRIBUTING.md "Lint"). Where a
// rule is turned off or narrowed, the reason is next to it; nothing else is disabled.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const node = { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly' };
const browser = { document: 'readonly', window: 'readonly', location: 'readonly', fetch: 'readonly', Node: 'readonly', setInterval: 'readonly', setTimeout: 'readonly', console: 'readonly' };

export default tseslint.config(
  { ignores: ['node_modules/**', 'bench/results/**', 'coverage/**', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // `_name` marks a parameter a signature needs but the body does not (an interface method).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
      // The hot path shares one function per server instead of a closure per request; those
      // functions reach their owner through a named alias (dataplane.ts, tcp-connection.ts).
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['dp', 'ctx', 'self'] }],
    },
  },
  {
    // Parsers of untrusted JSON (manifests, API list pages, AdmissionReviews, Ingress specs): they
    // narrow with isRecord() to Record<string, any> and check every value with typeof before use,
    // which is what these rules would otherwise ask for line by line.
    files: ['src/sources/kube/list.ts', 'src/sources/file/manifests.ts', 'src/translate/ingress.ts', 'src/webhook/admission-review.ts', 'src/webhook/review-ingress.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  {
    // Fastify route handlers are async so that their return value is the reply, awaited or not.
    files: ['src/admin/**/*.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests read JSON bodies and fake API payloads whose shape is exactly what they assert.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // Destructured module functions (`const { join } = await import('node:path')`) are not methods.
      '@typescript-eslint/unbound-method': 'off',
      // Assertion messages print the arrays they compare.
      '@typescript-eslint/restrict-template-expressions': 'off',
      // Stand-ins (fake servers, recording dataplanes) are async to match the interfaces they replace.
      '@typescript-eslint/require-await': 'off',
      // node:test's test()/describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] }],
    },
  },
  // Files outside tsconfig.json's program: JavaScript and the dev-certificate script.
  { files: ['**/*.js', 'certs/**/*.ts'], ...tseslint.configs.disableTypeChecked },
  { files: ['bin/**/*.js', 'eslint.config.js', 'certs/**/*.ts'], languageOptions: { globals: node } },
  { files: ['src/admin/dashboard/**/*.js'], languageOptions: { globals: browser } },
);
