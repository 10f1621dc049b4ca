/**
 * Step 2c, **Update**: π ← argmax S (ties keep the earlier candidate, so the current prompt stays
 * unless something beats it). Every candidate with its score goes into the event stream.
 */
import { argmax } from "../math.js";
import type { ScoredCandidate } from "../types.js";
import type { Rng } from "../../util/random.js";
import type { CandidateScore } from "./score.js";

export interface Candidate {
  prompt: string;
  source: ScoredCandidate["source"];
}

/** Candidates = current + proposals + remembered prompts, identical texts kept once (first source wins). */
export function gatherCandidates(current: string, proposals: readonly string[], memory: readonly string[]): Candidate[] {
  const out: Candidate[] = [];
  const seen = new Set<string>();
  const add = (prompt: string, source: Candidate["source"]): void => {
    const key = prompt.trim();
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ prompt, source });
  };
  add(current, "current");
  proposals.forEach((p) => add(p, "proposal"));
  memory.forEach((m) => add(m, "memory"));
  return out;
}

export function chooseBest(candidates: readonly Candidate[], scores: readonly CandidateScore[]): { chosen: Candidate; scored: ScoredCandidate[] } {
  const scored = candidates.map((c, i) => ({ prompt: c.prompt, source: c.source, score: scores[i].score, parts: scores[i].parts }));
  return { chosen: candidates[argmax(scores.map((s) => s.score))], scored };
}

/**
 * The `selection: "random"` ablation: a candidate drawn uniformly (scores are still computed and
 * reported), so a test can show that choosing by score is what makes training work.
 */
export function chooseRandom(candidates: readonly Candidate[], scores: readonly CandidateScore[], rng: Rng): { chosen: Candidate; scored: ScoredCandidate[] } {
  const scored = candidates.map((c, i) => ({ prompt: c.prompt, source: c.source, score: scores[i].score, parts: scores[i].parts }));
  return { chosen: candidates[rng.int(candidates.length)], scored };
}
