/**
 * Answers for requests the "tasks" world does not recognise: deterministic, plainly simulated,
 * and shaped so that pipelines still run (an `Answer:` prompt that offers "X or Y" gets X or Y).
 */
import { hashParts } from "../util/random.js";
import type { Alternative } from "./world.js";

const GENERIC_ANSWER = " [simulated answer: the sim world does not recognise this request]";

export function genericAlternatives(seed: number, text: string, wantsShortAnswer: boolean): Alternative[] {
  if (wantsShortAnswer) {
    const options = /\b([A-Za-z]+) or ([A-Za-z]+)\b/.exec(text);
    if (options) {
      const first = hashParts(seed, text) % 2;
      return [
        { text: ` ${options[1 + first]}`, p: 0.6 },
        { text: ` ${options[2 - first]}`, p: 0.4 },
      ];
    }
  }
  return [{ text: GENERIC_ANSWER, p: 1 }];
}
