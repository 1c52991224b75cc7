// ESLint: the TypeScript rules that catch mistakes (typescript-eslint's recommended set);
// layout is Prettier's alone (eslint-config-prettier turns off what would fight it).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'visualizations/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `_name` marks what a destructuring leaves out on purpose.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    // The daemon's own code: a promise nobody waits for or catches can end the process
    // (an unhandled rejection), so these need the type checker.
    files: ['src/**/*.ts', 'machines/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // The live page's script runs in a browser, as the daemon serves it: no build step.
    files: ['ui/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Tests look for control characters in messages on purpose.
    files: ['test/**'],
    rules: { 'no-control-regex': 'off' },
  },
  prettier,
);
