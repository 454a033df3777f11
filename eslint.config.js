import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import tseslint from 'typescript-eslint';

/**
 * Lint rules the code already follows (typescript-eslint recommended plus a few habits of the codebase).
 * Scope: analysis/ models/ viewer/ test/ bench/ bin/ — `npm run lint`. Notebooks are JSON; test/notebooks executes them.
 */
const RULES = ruleSet();
const RULES_SVELTE = {
  ...ruleSet(),
  '@typescript-eslint/consistent-type-imports': 'off',
  // Maps here are built inside $derived (recomputed, never mutated in place) or are RunState's cache,
  // deliberately non-reactive behind a version counter; SvelteMap would only add proxies.
  'svelte/prefer-svelte-reactivity': 'off',
};

export default tseslint.config(
  {
    ignores: ['node_modules/', 'models/reference-pair*/', 'runs/', 'tmp/', 'bench/results/', 'viewer/dist/'],
  },
  {
    files: [
      'analysis/**/*.ts',
      'models/**/*.ts',
      'viewer/**/*.{ts,js}',
      'test/**/*.ts',
      'bench/**/*.ts',
      'bin/**/*.{js,ts}',
    ],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    rules: RULES,
  },
  // Svelte components: the plugin's recommended rules, TypeScript in <script lang="ts">.
  ...svelte.configs.recommended,
  {
    files: ['viewer/**/*.svelte', 'viewer/**/*.svelte.ts'],
    plugins: { '@typescript-eslint': tseslint.plugin },
    languageOptions: { parserOptions: { parser: tseslint.parser } },
    rules: RULES_SVELTE,
  },
);

/** Rules of every TypeScript file (module scope, hoisted by the config above). */
function ruleSet() {
  return {
    // `_name` marks a binding kept on purpose (destructured away, or a required parameter).
    '@typescript-eslint/no-unused-vars': [
      'error',
      {
        argsIgnorePattern: '^_',
        varsIgnorePattern: '^_',
        destructuredArrayIgnorePattern: '^_',
        ignoreRestSiblings: true,
      },
    ],
    '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    '@typescript-eslint/no-import-type-side-effects': 'error',
    '@typescript-eslint/array-type': 'error',
    '@typescript-eslint/no-inferrable-types': 'error',
    eqeqeq: ['error', 'always', { null: 'ignore' }],
    'object-shorthand': 'error',
    'no-else-return': 'error',
    'no-lonely-if': 'error',
    'no-throw-literal': 'error',
    'no-useless-rename': 'error',
    'prefer-arrow-callback': 'error',
  };
}
