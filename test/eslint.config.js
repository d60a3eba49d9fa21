// Lint rules for the whole workspace; `pnpm lint` points ESLint here so the repository root keeps
// only the files the layout names.
import js from "@eslint/js"
import tseslint from "typescript-eslint"

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/dist/**", "**/scratch/**", "test/artifacts/**", "out/**"] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-namespace": "off",
      "@typescript-eslint/no-empty-object-type": "off",
      "no-console": "off",
      // Effect signatures use void as a type argument (Deferred<void>, Effect<void>).
      "@typescript-eslint/no-invalid-void-type": "off"
    }
  },
  {
    // The consumer test's applications are plain Node programs, as a user of the packages writes them.
    files: ["test/consumer/app/*.mjs", "test/consumer/app/*.cjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly" } }
  },
  {
    files: ["test/consumer/app/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { require: "readonly" } },
    rules: { "@typescript-eslint/no-require-imports": "off" }
  }
)
