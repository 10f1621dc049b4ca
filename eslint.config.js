// @ts-check
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "test-artifacts/", "runs/", "test/fixtures/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", destructuredArrayIgnorePattern: "^_" },
      ],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports", disallowTypeAnnotations: false }],
      eqeqeq: ["error", "always", { null: "ignore" }],
      "no-console": ["error"],
    },
  },
  // A `!` turns a broken invariant into "Cannot read properties of undefined" far from its cause: the library
  // handles a missing value or names it (getOrThrow in src/util/lookup.ts). Tests and benchmarks may assert.
  { files: ["src/**"], rules: { "@typescript-eslint/no-non-null-assertion": "error" } },
  // The CLI, benchmarks and scripts talk to the terminal.
  { files: ["bin/**", "bench/**", "src/cli/**", ".ci/**"], rules: { "no-console": "off" } },
  // Tests and benchmarks read JSON request bodies of any shape; ANSI escapes are what some assert on.
  {
    files: ["test/**", "bench/**"],
    rules: { "no-console": "off", "@typescript-eslint/no-explicit-any": "off", "no-control-regex": "off", "no-irregular-whitespace": "off" },
  },
  prettier,
);
