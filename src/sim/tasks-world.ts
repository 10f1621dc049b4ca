/**
 * The bundled worlds "tasks" and "tasks-hard": a simulated model that knows the hidden rules of
 * the bundled tasks (src/sim/tasks.ts) and answers forward, proposal and posterior requests about
 * them. See docs/simulator.md. It is a simulator, not a language model: it recognises the built-in
 * templates and a fixed set of phrasings, nothing more. The two differ only in their Difficulty.
 */
import { HARD, NORMAL, type Difficulty } from "./difficulty.js";
import { answerAlternatives, judgeAlternatives, thinkAlternatives } from "./forward.js";
import { genericAlternatives } from "./generic.js";
import { findInput } from "./inputs.js";
import { posteriorAlternatives } from "./posterior.js";
import { genericProposal, proposalAlternatives } from "./proposer.js";
import { recognizeRequest } from "./requests.js";
import type { Alternative, World, WorldFactory, WorldRequest } from "./world.js";

function tasksWorld(name: string, description: string, difficulty: Difficulty): WorldFactory {
  return (seed: number): World => ({
    name,
    description,
    answer(request: WorldRequest): Alternative[] {
      const req = recognizeRequest(request.prompt);
      switch (req.kind) {
        case "propose":
          return proposalAlternatives(req, difficulty) ?? genericProposal(req.instruction);
        case "posterior":
          return posteriorAlternatives(req.input, req.output, req.target, difficulty) ?? genericAlternatives(seed, req.input, false);
        case "answer": {
          const found = findInput(req.text);
          return found ? answerAlternatives(seed, found, req.text, difficulty) : genericAlternatives(seed, req.text, true);
        }
        case "think": {
          const found = findInput(req.text);
          return found ? thinkAlternatives(found, req.text, difficulty, seed) : genericAlternatives(seed, req.text, false);
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
}

export const createTasksWorld: WorldFactory = tasksWorld(
  "tasks",
  "Synthetic classification tasks with hidden rules (animals, navigate, coins); a simulator, not a language model.",
  NORMAL,
);

export const createHardTasksWorld: WorldFactory = tasksWorld(
  "tasks-hard",
  "The tasks world, hard: one layer cannot solve navigate/coins, noisy proposals and posteriors; a simulator, not a language model.",
  HARD,
);
