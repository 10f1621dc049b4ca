/**
 * The models of a network, by name. Clients are built lazily at first use (so a network can be
 * validated or drawn without its secrets), with `${VAR}` expanded then, and shared afterwards.
 * One UsageMeter counts every model's usage.
 */
import type { ModelSpec } from "../network/types.js";
import { resolveModelSpec } from "./env.js";
import { UnsupportedError } from "./errors.js";
import { createModelClient, type CacheSettings, type CreateModelClientOptions } from "./factory.js";
import type { ModelClient, Usage } from "./types.js";
import { UsageMeter } from "./usage.js";

export interface ModelRegistryOptions {
  baseDir: string;
  env?: NodeJS.ProcessEnv;
  cache?: CacheSettings;
  /** Settings laid over a model's (e.g. from the command line); the key `*` applies to every model. */
  overrides?: Record<string, Partial<ModelSpec>>;
  warn?: (message: string) => void;
  /** Advanced tuning passed to createModelClient (tests use short retry delays). */
  retry?: CreateModelClientOptions["retry"];
  batchWindowMs?: number;
}

export class ModelRegistry {
  readonly meter = new UsageMeter();
  private readonly clients = new Map<string, Promise<ModelClient>>();

  constructor(
    private readonly models: Record<string, ModelSpec>,
    private readonly opts: ModelRegistryOptions,
  ) {}

  names(): string[] {
    return Object.keys(this.models);
  }

  /** The effective (overridden, not yet expanded) settings of a model. */
  spec(name: string): ModelSpec {
    const base = this.models[name];
    if (!base) {
      const known = this.names();
      throw new UnsupportedError(
        `No model named "${name}"`,
        known.length ? `Use one of: ${known.join(", ")}` : "Declare it under `models` in the network file",
      );
    }
    const override = { ...this.opts.overrides?.["*"], ...this.opts.overrides?.[name] };
    // A different provider means a different endpoint: the old one's URL, key and headers do not carry over.
    const kept = override.provider && override.provider !== base.provider ? withoutEndpoint(base) : base;
    return { ...kept, ...override } as ModelSpec;
  }

  get(name: string): Promise<ModelClient> {
    let client = this.clients.get(name);
    if (!client) {
      client = (async () => {
        const spec = resolveModelSpec(this.spec(name), this.opts.env ?? process.env, name);
        return createModelClient(spec, {
          baseDir: this.opts.baseDir,
          env: this.opts.env,
          cache: this.opts.cache,
          usage: this.meter,
          name,
          warn: this.opts.warn,
          retry: this.opts.retry,
          batchWindowMs: this.opts.batchWindowMs,
        });
      })();
      this.clients.set(name, client);
      client.catch(() => this.clients.delete(name)); // a fixed environment can try again
    }
    return client;
  }

  usage(): { total: Usage; byModel: Record<string, Usage> } {
    return this.meter.snapshot();
  }

  async close(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(all.map(async (c) => (await c.catch(() => undefined))?.close?.()));
  }
}

/** Settings that belong to one provider's endpoint. */
const ENDPOINT_FIELDS = ["baseURL", "apiKey", "azure", "endpoints", "headers", "api"] as const;

function withoutEndpoint(spec: ModelSpec): ModelSpec {
  const copy = { ...spec };
  for (const f of ENDPOINT_FIELDS) delete copy[f];
  return copy;
}
