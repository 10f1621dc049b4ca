/** A one-layer network file on the simulator's `animals` task, for tests of `dln eval` and `graph.evaluate` (its data: `question`/`label` fields mapped to x/y). */
export const SIM_ANIMALS_NETWORK = `{
  name: "sim-animals",
  models: { m: { provider: "sim", model: "tasks", temperature: 0, maxTokens: 16 } },
  inputs: ["x"],
  nodes: {
    y: { type: "layer", from: ["x"], template: "classify", prompt: "Answer the question.",
         classes: ["mammal", "bird", "fish", "reptile"] },
  },
  output: "y",
  loss: { type: "exact_match", normalize: "first_word" },
}`;
