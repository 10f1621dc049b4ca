/**
 * The bundled world "tasks": a simulated model that knows the hidden rules of the bundled tasks
 * (src/sim/tasks.ts) and answers forward, proposal and posterior requests about them. See
 * docs/simulator.md. It is a simulator, not a language model: it recognises the built-in
 * templates and a fixed set of phrasings, nothing more.
 */
import { answerAlternatives, judgeAlternatives, thinkAlternatives } from "./forward.js";
import { genericAlternatives } from "./generic.js";
import { findInput } from "./inputs.js";
import { posteriorAlternatives } from "./posterior.js";
import { genericProposal, proposalAlternatives } from "./proposer.js";
import { recognizeRequest } from "./requests.js";
import type { Alternative, World, WorldFactory, WorldRequest } from "./world.js";

export const createTasksWorld: WorldFactory = (seed: number): World => ({
  name: "tasks",
  description: "Synthetic classification tasks with hidden rules (animals, navigate, coins); a simulator, not a language model.",
  answer(request: WorldRequest): Alternative[] {
    const req = recognizeRequest(request.prompt);
    switch (req.kind) {
      case "propose":
        return proposalAlternatives(req) ?? genericProposal(req.instruction);
      case "posterior":
        return posteriorAlternatives(req.input, req.output, req.target) ?? genericAlternatives(seed, req.input, false);
      case "answer": {
        const found = findInput(req.text);
        return found ? answerAlternatives(seed, found, req.text) : genericAlternatives(seed, req.text, true);
      }
      case "think": {
        const found = findInput(req.text);
        return found ? thinkAlternatives(found, req.text) : genericAlternatives(seed, req.text, false);
      }
      case "judge": {
        const picked = judgeAlternatives(req.text, req.candidates);
        return picked.length ? picked : genericAlternatives(seed, req.text, true);
      }
      default:
        return genericAlternatives(seed, req.text, false);
    }
  },
});
