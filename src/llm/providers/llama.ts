import type { ProviderFactory } from "../types.js";

// Placeholder: the embedded llama.cpp provider lands with its own change.
export const createLlamaProvider: ProviderFactory = async () => {
  throw new Error("the llama provider is not available yet");
};
