/**
 * The one place where the sane range of every number a user can give is written down: the
 * network file's numbers (schemas/network.schema.json carries the same `minimum`/`maximum`;
 * test/network/limits.test.ts proves they agree) and the command line's flags, which read the
 * same entries so that `--prompt-samples` and `train.promptSamples` accept the same values.
 *
 * The ranges are generous for real use and small enough that nothing is allocated, waited for
 * or sent before a value is refused: 1e9 posterior samples or a timer of 1e300 ms fail here,
 * before the first request, instead of running out of memory or into Node's timer range.
 */

export interface NumberLimit {
  /** Smallest accepted value (inclusive unless `exclusiveMinimum`). */
  readonly min: number;
  /** Largest accepted value (inclusive). */
  readonly max: number;
  /** Whether the value must be a whole number. */
  readonly integer: boolean;
  /** `min` itself is refused (rates, weights: anything above 0). */
  readonly exclusiveMinimum?: boolean;
}

const int = (min: number, max: number): NumberLimit => ({ min, max, integer: true });
const real = (min: number, max: number, exclusiveMinimum?: true): NumberLimit =>
  exclusiveMinimum ? { min, max, integer: false, exclusiveMinimum } : { min, max, integer: false };

/** Node's timers overflow above 2^31 - 1 ms (about 24.8 days); a day is plenty for one request. */
const ONE_DAY_MS = 86_400_000;

/** Seeds: any safe integer (the PRNG and the providers take them as is). */
const SEED = int(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);

export const LIMITS = {
  // models.<name>
  "model.temperature": real(0, 2),
  "model.maxTokens": int(1, 1_000_000),
  "model.seed": SEED,
  "model.concurrency": int(1, 1024),
  "model.rpm": real(0, 1_000_000, true),
  "model.tpm": real(0, 10_000_000_000, true),
  "model.timeoutMs": int(1, ONE_DAY_MS),
  "model.maxRetries": int(0, 20),
  "model.batchSize": int(1, 2048),
  "model.topLogprobs": int(0, 20),
  "model.price": real(0, 100_000),
  "model.threads": int(1, 1024),
  "model.contextSize": int(1, 2_097_152),
  "model.endpoint.weight": real(0, 1_000_000, true),
  // nodes.<id>
  "layer.maxTokens": int(1, 1_000_000),
  "layer.temperature": real(0, 2),
  "ensemble.count": int(2, 100),
  "ensemble.temperature": real(0, 2),
  // train
  "train.iterations": int(0, 100_000),
  "train.batchSize": int(1, 100_000),
  "train.promptSamples": int(1, 100),
  "train.hiddenSamples": int(1, 100),
  "train.backwardTemperature": real(0, 2),
  "train.posteriorTemperature": real(0, 2),
  "train.trustFactor": real(0, 1_000_000),
  "train.explorationPenalty": real(0, 1_000_000),
  "train.memory": int(0, 100),
  "train.patience": int(0, 100_000),
  "train.valEvery": int(1, 100_000),
  "train.burnIn": real(0, 1),
  "train.seed": SEED,
  "train.budget.tokens": int(0, Number.MAX_SAFE_INTEGER),
  "train.budget.requests": int(0, Number.MAX_SAFE_INTEGER),
  "train.budget.cost": real(0, 1_000_000_000),
  // command line only
  "cli.concurrency": int(1, 4096),
  "cli.cap": int(1, 100_000_000),
  "cli.demoSize": int(4, 1_000_000),
} as const satisfies Record<string, NumberLimit>;

export type LimitName = keyof typeof LIMITS;

/** "an integer from 1 to 100", "a number above 0 and at most 1000000": for messages. */
export function describeLimit(limit: NumberLimit): string {
  const kind = limit.integer ? "an integer" : "a number";
  const low = limit.exclusiveMinimum ? `above ${limit.min}` : `from ${limit.min}`;
  const high = limit.exclusiveMinimum ? `and at most ${limit.max}` : `to ${limit.max}`;
  return `${kind} ${low} ${high}`;
}

/**
 * Why `value` is out of the named range, or undefined when it is fine. The message says what
 * is accepted ("must be an integer from 1 to 100, got 1e+9"); the caller names where.
 */
export function checkLimit(name: LimitName, value: number): string | undefined {
  const limit: NumberLimit = LIMITS[name];
  const within =
    Number.isFinite(value) &&
    (!limit.integer || Number.isInteger(value)) &&
    (limit.exclusiveMinimum ? value > limit.min : value >= limit.min) &&
    value <= limit.max;
  return within ? undefined : `must be ${describeLimit(limit)}, got ${String(value)}`;
}
