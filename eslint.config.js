import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Lint rules the code already follows (typescript-eslint recommended plus a few habits of the codebase).
 * Scope for now: analysis/ models/ test/ bench/ bin/ — `npm run lint`; viewer/ and notebooks/ join later.
 */
export default tseslint.config(
  // test/browser/ and test/visual/ are the viewer's tests: they join with viewer/.
  {
    ignores: [
      'node_modules/',
      'models/reference-pair*/',
      'runs/',
      'tmp/',
      'bench/results/',
      'test/browser/',
      'test/visual/',
    ],
  },
  {
    files: ['analysis/**/*.ts', 'models/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'bin/**/*.{js,ts}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    rules: {
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
    },
  },
);
