/**
 * The model the benchmark's fake OpenAI server answers with. It has the default fake model's
 * shape (test/helpers/openai-server.ts: the same tokenizer, vocabulary, greedy/sampled decoding,
 * stops, logprobs, top logprobs and echo), with two differences that matter for measuring:
 *
 * - It is cheap. The default model hashes the whole prefix with SHA-256 for every vocabulary
 *   entry at every position, so a long echo-scoring prompt costs the server milliseconds of CPU,
 *   and a training step's thousands of scoring prompts make the server, not the client, the
 *   bottleneck (seen with --cpu-prof: >80% of the server's time in sha256). Here a running 32-bit
 *   FNV-1a hash of the prefix is extended token by token: linear, and a few µs per token.
 * - Sampled answers vary per request. The default model is a pure function of the prompt, so
 *   J posterior samples of one prompt at temperature 0.7 would all be one text and a training
 *   step would look far cheaper than it is. Here a sampled completion (temperature > 0, no
 *   request seed) draws with a seed that changes on every request and prompt position, as the
 *   OpenAI API's samples do. Greedy answers and scores stay deterministic.
 */
import { FAKE_VOCAB, fakeTokenize, type Generation, type GeneratedToken, type ReceivedRequest } from "../test/helpers/openai-server.js";

/** FNV-1a over the UTF-16 code units of `text`, continuing from `state`. */
function fnv(state: number, text: string): number {
  let h = state;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619) >>> 0;
  }
  return h;
}

const FNV_START = 2166136261;

/** A well-mixed number in [0, 1) from a hash state (murmur3's finaliser). */
function unit(state: number): number {
  let h = state;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

/** The next-token distribution over FAKE_VOCAB after the prefix hashed into `state`, most probable first. */
function nextDistribution(state: number): Array<{ token: string; logprob: number }> {
  const scores = FAKE_VOCAB.map((v) => 4 * unit(fnv(state, `\u0000${v}`)));
  const max = Math.max(...scores);
  const logZ = max + Math.log(scores.reduce((acc, x) => acc + Math.exp(x - max), 0));
  return FAKE_VOCAB.map((v, i) => ({ token: v, logprob: scores[i]! - logZ })); // scores has one entry per vocabulary token.sort((a, b) => b.logprob - a.logprob);
}

interface GenerateOptions {
  maxTokens?: number;
  temperature?: number;
  seed?: number;
  stop?: string[];
  choice?: number;
  topK?: number;
}

/** Decoding as the default model does it (greedy at temperature 0, else a seeded draw), stops included. */
function fastGenerate(prompt: string, opts: GenerateOptions): Generation {
  const maxTokens = opts.maxTokens ?? 16;
  const tokens: GeneratedToken[] = [];
  let text = "";
  let state = fnv(FNV_START, prompt);
  const draw = `\u0000${opts.seed ?? ""}\u0000${opts.choice ?? 0}`;
  for (let i = 0; i < maxTokens; i++) {
    const dist = nextDistribution(state);
    const greedy = dist[0];
    if (!greedy) throw new Error("fastGenerate: the vocabulary is empty");
    let pick = greedy;
    if ((opts.temperature ?? 1) > 0) {
      const u = unit(fnv(state, draw));
      let acc = 0;
      pick = dist.at(-1) ?? greedy;
      for (const d of dist) {
        acc += Math.exp(d.logprob);
        if (u < acc) {
          pick = d;
          break;
        }
      }
    }
    const next = text + pick.token;
    const stopAt = (opts.stop ?? []).map((st) => next.indexOf(st, Math.max(0, text.length - st.length + 1))).filter((j) => j >= 0);
    if (stopAt.length) return { text: next.slice(0, Math.min(...stopAt)), tokens, finishReason: "stop" };
    tokens.push({ token: pick.token, logprob: pick.logprob, top: dist.slice(0, opts.topK ?? 0) });
    text = next;
    state = fnv(state, pick.token);
    if (pick.token === ".") return { text, tokens, finishReason: "stop" };
  }
  return { text, tokens, finishReason: "length" };
}

/** Echo logprobs of the prompt's own tokens (the first has none), as legacy completions return them. */
function echoLogprobs(prompt: string, topK: number) {
  const tokens: string[] = [];
  const token_logprobs: (number | null)[] = [];
  const top_logprobs: (Record<string, number> | null)[] = [];
  const text_offset: number[] = [];
  let offset = 0;
  let state = FNV_START;
  let first = true;
  for (const token of fakeTokenize(prompt)) {
    tokens.push(token);
    if (first) {
      token_logprobs.push(null);
      top_logprobs.push(null);
    } else {
      token_logprobs.push(-0.5 - 5.5 * unit(fnv(state, `\u0001${token}`)));
      top_logprobs.push(
        topK > 0
          ? Object.fromEntries(
              nextDistribution(state)
                .slice(0, topK)
                .map((t) => [t.token, t.logprob]),
            )
          : {},
      );
    }
    text_offset.push(offset);
    offset += [...token].length;
    state = fnv(state, token);
    first = false;
  }
  return { tokens, token_logprobs, top_logprobs, text_offset, offset };
}

const stopOf = (stop: unknown): string[] | undefined => (typeof stop === "string" ? [stop] : Array.isArray(stop) ? stop : undefined);
const tokensOf = (texts: string[]) => texts.reduce((s, p) => s + fakeTokenize(p).length, 0);
const usage = (prompts: string[], completion: number) => {
  const prompt_tokens = tokensOf(prompts);
  return { prompt_tokens, completion_tokens: completion, total_tokens: prompt_tokens + completion };
};

/** A responder for startOpenAIServer({ responder }): chat and legacy completions. */
export function createFastResponder(): (request: ReceivedRequest) => unknown {
  let draws = 0;
  const seedFor = (body: any): number | undefined => body.seed ?? ((body.temperature ?? 1) > 0 ? ++draws : undefined);

  const completions = (body: any) => {
    const prompts: string[] = Array.isArray(body.prompt) ? body.prompt : [body.prompt ?? ""];
    const n: number = body.n ?? 1;
    const topK = Math.min(5, body.logprobs ?? 0);
    const wantLogprobs = body.logprobs !== undefined && body.logprobs !== null;
    const seed = seedFor(body);
    const choices: unknown[] = [];
    let completionTokens = 0;
    prompts.forEach((prompt, p) => {
      for (let j = 0; j < n; j++) {
        const gen = fastGenerate(prompt, {
          maxTokens: body.max_tokens ?? 16,
          temperature: body.temperature,
          seed,
          stop: stopOf(body.stop),
          choice: p * n + j,
          topK,
        });
        completionTokens += gen.tokens.length;
        let logprobs: unknown = null;
        if (wantLogprobs) {
          const echoed = body.echo ? echoLogprobs(prompt, topK) : { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [], offset: 0 };
          let offset = echoed.offset;
          for (const t of gen.tokens) {
            echoed.tokens.push(t.token);
            echoed.token_logprobs.push(t.logprob);
            echoed.top_logprobs.push(Object.fromEntries(t.top.map((x) => [x.token, x.logprob])));
            echoed.text_offset.push(offset);
            offset += [...t.token].length;
          }
          const { offset: _end, ...rest } = echoed;
          logprobs = rest;
        }
        choices.push({ index: p * n + j, text: (body.echo ? prompt : "") + gen.text, logprobs, finish_reason: gen.finishReason });
      }
    });
    return { id: "cmpl-fast", object: "text_completion", created: 0, model: body.model, choices, usage: usage(prompts, completionTokens) };
  };

  const chat = (body: any) => {
    const messages: Array<{ content?: string }> = body.messages ?? [];
    const prompt = String(messages[messages.length - 1]?.content ?? "");
    const n: number = body.n ?? 1;
    const topK = Math.min(20, body.top_logprobs ?? 0);
    const seed = seedFor(body);
    let completionTokens = 0;
    const choices = Array.from({ length: n }, (_x, j) => {
      const gen = fastGenerate(prompt, {
        maxTokens: body.max_tokens ?? body.max_completion_tokens ?? 16,
        temperature: body.temperature,
        seed,
        stop: stopOf(body.stop),
        choice: j,
        topK,
      });
      completionTokens += gen.tokens.length;
      return {
        index: j,
        message: { role: "assistant", content: gen.text },
        logprobs:
          body.logprobs === true
            ? { content: gen.tokens.map((t) => ({ token: t.token, logprob: t.logprob, bytes: null, top_logprobs: t.top.map((x) => ({ ...x, bytes: null })) })) }
            : null,
        finish_reason: gen.finishReason,
      };
    });
    return { id: "chatcmpl-fast", object: "chat.completion", created: 0, model: body.model, choices, usage: usage([prompt], completionTokens) };
  };

  return (request) => (request.route === "chat" ? chat(request.body) : completions(request.body));
}
