import type { ProviderFactory } from "../types.js";

// Placeholder: the offline simulator lands with its own change.
export const createSimProvider: ProviderFactory = async () => {
  throw new Error("the sim provider is not available yet");
};
