/**
 * Loads node-llama-cpp lazily and shares what is expensive to create: one `Llama` (the native
 * backend) per GPU setting and one `LlamaModel` per model file, however many clients use them.
 * Each client acquires a model and releases it on close; the last release disposes the model,
 * and the backend once no model is left, so a process that closes its clients can exit.
 *
 * node-llama-cpp is an optional peer dependency: it is imported only here, dynamically, so
 * library users who never use the `llama` provider do not need it installed.
 */
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Llama, LlamaModel } from "node-llama-cpp";
import { LlamaProviderError } from "./llama-errors.js";

/** Which compute backend to ask for: CPU unless configured (`DLN_LLAMA_GPU` or the client option). */
export type LlamaGpuSetting = false | "auto" | "cuda" | "vulkan" | "metal";

type NodeLlamaCpp = typeof import("node-llama-cpp");

let modulePromise: Promise<NodeLlamaCpp> | undefined;

/** The node-llama-cpp module, or a typed error telling the user how to install it. */
async function loadNodeLlamaCpp(where?: string): Promise<NodeLlamaCpp> {
  modulePromise ??= import("node-llama-cpp").catch((cause: unknown) => {
    modulePromise = undefined;
    throw new LlamaProviderError(
      "E_LLAMA_NOT_INSTALLED",
      "The llama provider needs the optional package node-llama-cpp, which could not be loaded",
      "Install it next to this library: npm install node-llama-cpp@3.21.1",
      { where, cause },
    );
  });
  return modulePromise;
}

interface SharedBackend {
  llama: Promise<Llama>;
  models: Map<string, SharedModel>;
}

interface SharedModel {
  model: Promise<LlamaModel>;
  users: number;
}

const backends = new Map<string, SharedBackend>();

/**
 * Threads the CPU can actually run at once. node-llama-cpp's own default (at least 4) made
 * generation about 600 times slower on a 2-core machine, where threads fight over cores.
 */
export function availableThreads(): number {
  return Math.max(1, os.availableParallelism());
}

function backendFor(gpu: LlamaGpuSetting, where: string): SharedBackend {
  const key = String(gpu);
  let backend = backends.get(key);
  if (!backend) {
    const llama = loadNodeLlamaCpp(where)
      .then(({ getLlama, LlamaLogLevel }) =>
        getLlama({
          gpu,
          // Never compile llama.cpp from source behind a training run's back: use the prebuilt binaries.
          build: "never",
          progressLogs: false,
          maxThreads: availableThreads(),
          logLevel: LlamaLogLevel.error,
        }),
      )
      .catch((cause: unknown) => {
        backends.delete(key);
        if (cause instanceof LlamaProviderError) throw cause;
        throw new LlamaProviderError(
          "E_LLAMA_LOAD_FAILED",
          `Could not start llama.cpp (gpu: ${String(gpu)})`,
          "Check that node-llama-cpp's prebuilt binaries exist for this platform (npx --no node-llama-cpp inspect gpu), or build them with npx --no node-llama-cpp source build",
          { where, cause },
        );
      });
    backend = { llama, models: new Map() };
    backends.set(key, backend);
  }
  return backend;
}

/**
 * Turns the network file's `model` into a local file: a path relative to `baseDir`, or an `hf:`
 * URI that node-llama-cpp downloads once into its models directory (online users only).
 */
export async function resolveModelPath(model: string, baseDir: string, where: string): Promise<string> {
  if (/^(hf:|https?:)/i.test(model)) {
    const { resolveModelFile } = await loadNodeLlamaCpp(where);
    try {
      return await resolveModelFile(model, { cli: false });
    } catch (cause) {
      throw new LlamaProviderError(
        "E_LLAMA_MODEL_NOT_FOUND",
        `Could not resolve the model URI ${model}`,
        "Check the URI and the network connection, or download the GGUF file and give its path instead",
        { where, cause },
      );
    }
  }
  const file = path.resolve(baseDir, model);
  if (!existsSync(file)) {
    throw new LlamaProviderError(
      "E_LLAMA_MODEL_NOT_FOUND",
      `The GGUF model file ${file} does not exist`,
      `Check "model" (a relative path resolves against ${baseDir}: the network file's directory, or the working directory for a path typed with --model) or download the model there`,
      { where },
    );
  }
  return file;
}

/** A model shared between clients; call `release` exactly once when done with it. */
export interface ModelLease {
  llama: Llama;
  model: LlamaModel;
  release(): Promise<void>;
}

export async function acquireModel(file: string, gpu: LlamaGpuSetting, where: string): Promise<ModelLease> {
  const backend = backendFor(gpu, where);
  let shared = backend.models.get(file);
  if (!shared) {
    const model = backend.llama
      .then((llama) => llama.loadModel({ modelPath: file }))
      .catch((cause: unknown) => {
        backend.models.delete(file);
        if (cause instanceof LlamaProviderError) throw cause;
        throw new LlamaProviderError(
          "E_LLAMA_LOAD_FAILED",
          `llama.cpp could not load ${file}`,
          "Check that the file is a complete GGUF model of an architecture this llama.cpp version supports",
          { where, cause },
        );
      });
    shared = { model, users: 0 };
    backend.models.set(file, shared);
  }
  shared.users++;
  const lease = shared;
  let released = false;
  try {
    const [llama, model] = await Promise.all([backend.llama, lease.model]);
    return {
      llama,
      model,
      async release() {
        if (released) return;
        released = true;
        await releaseModel(backend, file, lease, gpu);
      },
    };
  } catch (error) {
    lease.users--;
    throw error;
  }
}

async function releaseModel(backend: SharedBackend, file: string, lease: SharedModel, gpu: LlamaGpuSetting): Promise<void> {
  lease.users--;
  if (lease.users > 0 || backend.models.get(file) !== lease) return;
  backend.models.delete(file);
  await (await lease.model).dispose();
  if (backend.models.size === 0 && backends.get(String(gpu)) === backend) {
    backends.delete(String(gpu));
    await (await backend.llama).dispose();
  }
}
