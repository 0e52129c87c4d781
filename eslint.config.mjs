// ESLint (flat config) for the widget's front end, js/: `npm run lint`. The bundle in static/ is generated.
import js from "@eslint/js";

const browser = Object.fromEntries(["window", "document", "console", "performance", "requestAnimationFrame",
  "cancelAnimationFrame", "ResizeObserver", "setTimeout", "clearTimeout", "TextDecoder", "atob", "Blob",
  "URL"].map((name) => [name, "readonly"]));

export default [
  { ignores: ["src/**", "node_modules/**", ".venv/**", "test-artifacts/**", "notebooks/**"] },
  js.configs.recommended,
  {
    files: ["tests/**/*.mjs"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: { console: "readonly", globalThis: "readonly",
      setTimeout: "readonly" } },
    rules: { "max-len": ["error", { code: 120 }] },
  },
  {
    files: ["js/**/*.js", "eslint.config.mjs"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: browser },
    rules: {
      "max-len": ["error", { code: 120, ignoreUrls: true }],
      "no-unused-vars": ["error", { args: "after-used" }],
      "eqeqeq": ["error", "always", { null: "ignore" }],
      "no-var": "error",
      "prefer-const": "error",
      "no-restricted-properties": ["error",
        { property: "innerHTML", message: "text from Python goes in with textContent only" },
        { property: "outerHTML", message: "text from Python goes in with textContent only" }],
      "no-restricted-syntax": ["error",
        { selector: "CallExpression[callee.property.name='insertAdjacentHTML']", message: "use textContent" },
        { selector: "ImportExpression", message: "no dynamic (remote) imports: everything is bundled" }],
    },
  },
];
