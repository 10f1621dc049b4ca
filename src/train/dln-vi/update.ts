/**
 * Step 2c, **Update**: π ← argmax S (ties keep the earlier candidate, so the current prompt stays
 * unless something beats it). Every candidate with its score goes into the event stream.
 */
import { argmax } from "../math.js";
import { at } from "./at.js";
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
  const scored = scoredCandidates(candidates, scores);
  return { chosen: at(candidates, argmax(scores.map((s) => s.score)), "candidates"), scored };
}

/**
 * The `selection: "random"` ablation: a candidate drawn uniformly (scores are still computed and
 * reported), so a test can show that choosing by score is what makes training work.
 */
export function chooseRandom(candidates: readonly Candidate[], scores: readonly CandidateScore[], rng: Rng): { chosen: Candidate; scored: ScoredCandidate[] } {
  const scored = scoredCandidates(candidates, scores);
  return { chosen: at(candidates, rng.int(candidates.length), "candidates"), scored };
}

/** Each candidate with its score (scores are in candidate order). */
function scoredCandidates(candidates: readonly Candidate[], scores: readonly CandidateScore[]): ScoredCandidate[] {
  return candidates.map((c, i) => {
    const { score, parts } = at(scores, i, "candidate scores");
    return { prompt: c.prompt, source: c.source, score, parts };
  });
}
