/**
 * Prices of well-known models, in dollars per million tokens, for usage accounting and cost
 * budgets when a model in the network file does not give its own `price` (which always wins).
 *
 * TAKEN FROM: OpenAI's published list prices (openai.com/api/pricing) as of 2025-04-14, the
 * last time they were read for this table; this table was written on 2026-11-29 without
 * re-checking them. Prices change: they may be stale. For a budget that matters, give
 * `price: { prompt, completion }` on the model. Batch-API, cached-input and fine-tuned prices
 * are not modelled. Local providers (`sim`, `llama`) cost nothing.
 */
import type { ModelSpec } from "../network/types.js";
import type { Price } from "./usage.js";

const PRICES_TAKEN = "2025-04-14";

const KNOWN_PRICES: Readonly<Record<string, Price>> = {
  "gpt-4o-mini": { prompt: 0.15, completion: 0.6 },
  "gpt-4o": { prompt: 2.5, completion: 10 },
  "gpt-4.1": { prompt: 2, completion: 8 },
  "gpt-4.1-mini": { prompt: 0.4, completion: 1.6 },
  "gpt-4.1-nano": { prompt: 0.1, completion: 0.4 },
  "gpt-3.5-turbo": { prompt: 0.5, completion: 1.5 },
  "gpt-3.5-turbo-instruct": { prompt: 1.5, completion: 2 },
  "davinci-002": { prompt: 2, completion: 2 },
  "babbage-002": { prompt: 0.4, completion: 0.4 },
};

/**
 * The price of a model: its own `price`; 0 for local providers; else the table's entry for its
 * name (a dated snapshot name such as `gpt-4o-mini-2024-07-18` counts as `gpt-4o-mini`); else
 * undefined (unknown: cost is not counted, and a cost budget is refused).
 */
export function priceOf(spec: Pick<ModelSpec, "provider" | "model" | "price">): Price | undefined {
  if (spec.price) return spec.price;
  if (spec.provider === "sim" || spec.provider === "llama") return { prompt: 0, completion: 0 };
  const name = spec.model.replace(/^.*\//, "").toLowerCase();
  return KNOWN_PRICES[name] ?? KNOWN_PRICES[name.replace(/-\d{4}-\d{2}-\d{2}$/, "")];
}

/**
 * Checks before anything is spent that a cost budget can be kept: every model in use needs a
 * price. Returns an error message naming the models without one, or undefined.
 */
export function costBudgetProblem(models: Record<string, Pick<ModelSpec, "provider" | "model" | "price">>): string | undefined {
  const missing = Object.entries(models)
    .filter(([, spec]) => !priceOf(spec))
    .map(([name, spec]) => `${name} (${spec.model})`);
  if (missing.length === 0) return undefined;
  return (
    `--budget-cost needs a price for every model in use; no price is known for ${missing.join(", ")}. ` +
    `Give each one price: { prompt: <$ per 1M tokens>, completion: <$ per 1M tokens> } in the network file ` +
    `(the built-in table, taken ${PRICES_TAKEN}, knows ${Object.keys(KNOWN_PRICES).join(", ")})`
  );
}
