/**
 * A responder for the fake OpenAI server (test/helpers/openai-server.ts) that answers from the
 * simulated world (src/sim), in OpenAI's response shapes, so the whole HTTP path (provider,
 * capability probes, middleware, scoring, trainer, executor) can be exercised end to end on a
 * world where prompts matter and training is meaningful.
 *
 * - chat (`POST …/chat/completions`): the last message's text is the prompt; the answer is the sim
 *   client's completion (`n`, `temperature`, `seed`, `stop`, `max_tokens` honoured); with
 *   `logprobs: true, top_logprobs: k` each choice carries `logprobs.content[{token, logprob,
 *   bytes, top_logprobs}]` from the sim's token logprobs.
 * - legacy completions (`POST …/completions`): a prompt or a list of prompts, `n` (choice index =
 *   prompt·n + j), `logprobs: k` (≤ 5, as OpenAI) → `tokens`, `token_logprobs`, `top_logprobs`
 *   (a `{token: logprob}` dict per position), `text_offset`; `max_tokens` defaults to 16 as on
 *   OpenAI's legacy endpoint.
 * - `echo: true` prepends the PROMPT's tokens with their logprobs and text offsets (the first
 *   token's logprob is null), then whatever was generated (nothing with `max_tokens: 0`).
 *
 * How echoed prompt logprobs agree exactly with the sim's `score()`: the sim is not an
 * autoregressive model over whole texts; it answers a prompt that ends in one of the built-in
 * templates' closing cues (`Answer:`, `Let's think step by step.`, …). So the echoed prompt is cut
 * into segments at the end of every cue, each segment is tokenised on its own (a cue end is always
 * a token boundary), and every token is scored by the sim's answer distribution for the text
 * before its segment, i.e. token logprobs of segment s are `sim.score(prompt[:b_s], prompt[b_s:])`
 * walked token by token. A scorer sends `context + target` with the context ending in a cue and
 * finds the target's tokens by text offset, so the target's token logprobs are exactly
 * `sim.score(context, target)`. (Targets the sim writes never contain a cue; a target that did
 * would be split again at that cue.)
 *
 * Sampling: as a seeded server (and as the sim client): the draw depends on the prompt, the
 * request's `seed` and the choice index, so J identical requests without `seed` give J copies of
 * one text, while `n: J` or J distinct seeds give J draws.
 */
import { distributionAfter, type SampledToken } from "../../src/sim/distribution.js";
import { tokenize } from "../../src/sim/tokenizer.js";
import type { World } from "../../src/sim/world.js";
import { createWorld, DEFAULT_WORLD } from "../../src/sim/worlds.js";
import { createSimClient } from "../../src/llm/providers/sim.js";
import type { Completion, ModelClient } from "../../src/llm/types.js";
import type { ReceivedRequest, Responder } from "./openai-server.js";

export interface SimResponderOptions {
  /** Seeds the world and the sampling (default 0). */
  seed?: number;
  /** A registered world's name (default "tasks") or a world object. */
  world?: string | World;
}

/** The closing cues of the built-in templates after which the sim starts a new answer (src/sim/requests.ts). */
const SIM_CUES = ["Answer:", "Let's think step by step.", "Best answer:", "Intermediate text:", 'New instruction:\n"""'];

/** OpenAI's limits on top logprobs: 20 on chat, 5 on legacy completions. */
const CHAT_TOP_MAX = 20;
const LEGACY_TOP_MAX = 5;
/** OpenAI's legacy completions default `max_tokens`. */
const LEGACY_DEFAULT_MAX_TOKENS = 16;
/** OpenAI's default sampling temperature. */
const OPENAI_DEFAULT_TEMPERATURE = 1;

/** Code points, as OpenAI-compatible servers count text offsets. */
const codePoints = (text: string): number => [...text].length;

/** Where the prompt's segments start: 0 and the end of every cue occurrence (ascending, distinct). */
export function segmentStarts(prompt: string): number[] {
  const starts = new Set<number>([0]);
  for (const cue of SIM_CUES) {
    for (let at = prompt.indexOf(cue); at >= 0; at = prompt.indexOf(cue, at + 1)) starts.add(at + cue.length);
  }
  return [...starts].filter((s) => s <= prompt.length).sort((a, b) => a - b);
}

/**
 * The prompt's tokens as the sim would score them: segment by segment (see the file comment),
 * with the top-k alternatives at each position when `topK > 0`. The first token has no logprob.
 */
function echoTokens(world: World, prompt: string, topK = 0): Array<{ token: string; logprob: number | null; top: SampledToken["top"] | null; offset: number }> {
  const starts = segmentStarts(prompt);
  const out: Array<{ token: string; logprob: number | null; top: SampledToken["top"] | null; offset: number }> = [];
  let offset = 0;
  starts.forEach((start, s) => {
    const end = s + 1 < starts.length ? starts[s + 1] : prompt.length;
    const tokens = tokenize(prompt.slice(start, end));
    if (tokens.length === 0) return;
    const distribution = distributionAfter(world, { prompt: prompt.slice(0, start), temperature: 0 });
    for (const t of distribution.walk(tokens, topK)) {
      const first = out.length === 0;
      out.push({ token: t.token, logprob: first ? null : t.logprob, top: first ? null : (t.top ?? []), offset });
      offset += codePoints(t.token);
    }
  });
  return out;
}

/** The text of a chat message's content (a string, or a list of text parts). */
function messageText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content))
    return content.map((p) => (p && typeof p === "object" && typeof (p as { text?: unknown }).text === "string" ? (p as { text: string }).text : "")).join("");
  return "";
}

const stopOf = (stop: unknown): string[] | undefined =>
  typeof stop === "string" ? [stop] : Array.isArray(stop) ? stop.filter((s): s is string => typeof s === "string") : undefined;

const clampTop = (k: unknown, max: number): number => (typeof k === "number" && k > 0 ? Math.min(Math.floor(k), max) : 0);

export function simResponder(opts: SimResponderOptions = {}): Responder {
  const seed = opts.seed ?? 0;
  const world = typeof opts.world === "object" ? opts.world : createWorld(opts.world ?? DEFAULT_WORLD, seed);
  const sim: ModelClient = createSimClient({ world, seed });
  // A chat reply starts a new message: no leading whitespace (the sim's chat endpoint).
  const chatSim: ModelClient = createSimClient({ world, seed, endpoint: "chat" });

  /** `n` completions of one prompt from the sim (identical requests without `seed` get identical text). */
  async function complete(
    prompt: string,
    p: { n: number; temperature: number; seed?: number; stop?: string[]; maxTokens?: number; topK: number },
    client = sim,
  ): Promise<Completion[]> {
    const r = await client.generate({ prompt, n: p.n, temperature: p.temperature, seed: p.seed, stop: p.stop, maxTokens: p.maxTokens, topLogprobs: p.topK });
    return r.completions;
  }

  function params(body: any, maxTokens: number | undefined, topK: number) {
    return {
      n: typeof body.n === "number" && body.n >= 1 ? Math.floor(body.n) : 1,
      temperature: typeof body.temperature === "number" ? body.temperature : OPENAI_DEFAULT_TEMPERATURE,
      seed: typeof body.seed === "number" ? body.seed : undefined,
      stop: stopOf(body.stop),
      maxTokens,
      topK,
    };
  }

  async function chat(body: any): Promise<unknown> {
    const messages: Array<{ content?: unknown }> = Array.isArray(body.messages) ? body.messages : [];
    const prompt = messageText(messages[messages.length - 1]?.content);
    const withLogprobs = body.logprobs === true;
    const topK = withLogprobs ? clampTop(body.top_logprobs, CHAT_TOP_MAX) : 0;
    const maxTokens =
      typeof body.max_completion_tokens === "number" ? body.max_completion_tokens : typeof body.max_tokens === "number" ? body.max_tokens : undefined;
    const completions = await complete(prompt, params(body, maxTokens, topK), chatSim);
    const choices = completions.map((c, index) => ({
      index,
      message: { role: "assistant", content: c.text, refusal: null },
      logprobs: withLogprobs
        ? {
            content: (c.tokens ?? []).map((t) => ({
              token: t.token,
              logprob: t.logprob,
              bytes: [...Buffer.from(t.token, "utf8")],
              top_logprobs: (t.top ?? []).slice(0, topK).map((x) => ({ token: x.token, logprob: x.logprob, bytes: [...Buffer.from(x.token, "utf8")] })),
            })),
            refusal: null,
          }
        : null,
      finish_reason: c.finishReason ?? "stop",
    }));
    const completionTokens = completions.reduce((s, c) => s + (c.tokens?.length ?? 0), 0);
    return {
      id: "chatcmpl-sim",
      object: "chat.completion",
      created: 0,
      model: body.model,
      choices,
      usage: usage(tokenize(prompt).length, completionTokens),
    };
  }

  async function legacy(body: any): Promise<unknown> {
    const prompts: string[] = Array.isArray(body.prompt) ? body.prompt.map(String) : [String(body.prompt ?? "")];
    const wantLogprobs = typeof body.logprobs === "number";
    const topK = clampTop(body.logprobs, LEGACY_TOP_MAX);
    const maxTokens = typeof body.max_tokens === "number" ? body.max_tokens : LEGACY_DEFAULT_MAX_TOKENS;
    const echo = body.echo === true;
    const p = params(body, maxTokens, topK);
    const choices: unknown[] = [];
    let promptTokens = 0;
    let completionTokens = 0;
    for (const [i, prompt] of prompts.entries()) {
      const echoed = echo ? echoTokens(world, prompt, topK) : [];
      promptTokens += echo ? echoed.length : tokenize(prompt).length;
      const generated =
        maxTokens === 0 ? Array.from({ length: p.n }, (): Completion => ({ text: "", tokens: [], finishReason: "length" })) : await complete(prompt, p);
      for (const [j, c] of generated.entries()) {
        completionTokens += c.tokens?.length ?? 0;
        let logprobs: unknown = null;
        if (wantLogprobs) {
          const tokens: string[] = [];
          const token_logprobs: Array<number | null> = [];
          const top_logprobs: Array<Record<string, number> | null> = [];
          const text_offset: number[] = [];
          for (const t of echoed) {
            tokens.push(t.token);
            token_logprobs.push(t.logprob);
            top_logprobs.push(t.top === null ? null : topDict(t.top ?? [], topK));
            text_offset.push(t.offset);
          }
          let offset = echo ? codePoints(prompt) : 0;
          for (const t of c.tokens ?? []) {
            tokens.push(t.token);
            token_logprobs.push(t.logprob);
            top_logprobs.push(topDict(t.top ?? [], topK));
            text_offset.push(offset);
            offset += codePoints(t.token);
          }
          logprobs = { tokens, token_logprobs, top_logprobs, text_offset };
        }
        choices.push({ index: i * p.n + j, text: (echo ? prompt : "") + c.text, logprobs, finish_reason: c.finishReason ?? "stop" });
      }
    }
    return { id: "cmpl-sim", object: "text_completion", created: 0, model: body.model, choices, usage: usage(promptTokens, completionTokens) };
  }

  return (request: ReceivedRequest) => (request.route === "chat" ? chat(request.body) : legacy(request.body));
}

function topDict(top: ReadonlyArray<{ token: string; logprob: number }>, k: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of top.slice(0, k)) if (!(t.token in out)) out[t.token] = t.logprob;
  return out;
}

function usage(promptTokens: number, completionTokens: number) {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}
