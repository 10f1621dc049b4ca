/**
 * Writes a tiny random-weight llama model as a GGUF v3 file, so tests (and the scoring
 * benchmark) can run the real llama.cpp code path without downloading anything.
 *
 * The model is a genuine `llama` architecture network (RMS norm, RoPE attention with grouped KV
 * heads, SwiGLU feed-forward), all tensors F32, with a SentencePiece-style ("llama") vocabulary:
 * `<unk>`, `<s>`, `</s>`, the 256 `<0xNN>` byte-fallback tokens and a few hundred word pieces.
 * Everything is derived from `seed`, so the same options always give byte-identical files.
 *
 * Layout (https://github.com/ggml-org/ggml/blob/master/docs/gguf.md): header, metadata
 * key/values, tensor infos, padding to `general.alignment`, then each tensor's data at an
 * aligned offset. ggml lists dimensions innermost first: a `[in, out]` matrix has `in` contiguous
 * floats per row and `out` rows.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { Rng } from "../../src/util/random.js";

export interface TinyLlamaOptions {
  /** PRNG seed for the weights (default 1). */
  seed?: number;
  /** Word pieces added after the special and byte tokens (default 128; the vocabulary is 259 + this). */
  vocab?: number;
  /** Embedding width (default 32; must be a multiple of the 4 attention heads). */
  embd?: number;
  /** Transformer blocks (default 2). */
  layers?: number;
  /** Context length the model declares (default 512). */
  ctx?: number;
}

export interface TinyLlamaInfo {
  path: string;
  vocabSize: number;
  parameters: number;
  tokens: string[];
  bos: number;
  eos: number;
}

const ALIGNMENT = 32;
const HEADS = 4;
const KV_HEADS = 2;

/** GGUF metadata value types (gguf.md, "gguf_metadata_value_type"). */
const enum GgufType {
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
}

/** llama.cpp token types (tokenizer.ggml.token_type). */
const enum TokenType {
  NORMAL = 1,
  UNKNOWN = 2,
  CONTROL = 3,
  BYTE = 6,
}

type MetaValue =
  | { type: GgufType.UINT32 | GgufType.INT32 | GgufType.FLOAT32; value: number }
  | { type: GgufType.BOOL; value: boolean }
  | { type: GgufType.STRING; value: string }
  | { type: GgufType.ARRAY; of: GgufType.STRING; value: string[] }
  | { type: GgufType.ARRAY; of: GgufType.FLOAT32 | GgufType.INT32; value: number[] };

interface Tensor {
  name: string;
  /** ggml order: innermost dimension first. */
  dims: number[];
  data: Float32Array;
}

/** Single characters: every text made of them tokenizes without byte fallback. */
const CHARACTERS = [..."▁etaoinsrhldcumfpgwybvkxjqz.,:?!"];

/** Words whose every prefix is also a piece, so SentencePiece's pair merges can reach them. */
const WORDS = [
  "▁a",
  "▁the",
  "▁is",
  "▁of",
  "▁to",
  "▁and",
  "▁in",
  "▁it",
  "▁yes",
  "▁no",
  "▁answer",
  "▁question",
  "▁true",
  "▁false",
  "▁cat",
  "▁dog",
  "▁not",
  "▁what",
  "th",
  "he",
  "in",
  "er",
  "an",
  "re",
  "on",
  "at",
  "en",
  "nd",
  "es",
  "or",
  "te",
  "ed",
  "ti",
  "is",
  "it",
  "al",
  "ar",
  "st",
  "to",
  "nt",
  "ng",
  "se",
];

/** The word pieces in vocabulary order: characters first, then words with their prefixes. */
function wordPieces(): string[] {
  const pieces = new Set(CHARACTERS);
  for (const word of WORDS) {
    const chars = [...word];
    for (let k = 2; k <= chars.length; k++) pieces.add(chars.slice(0, k).join(""));
  }
  return [...pieces];
}

/** Builds the vocabulary: special tokens, byte tokens, then `count` word pieces. */
function buildVocabulary(count: number): { tokens: string[]; scores: number[]; types: number[] } {
  const tokens = ["<unk>", "<s>", "</s>"];
  const scores = [0, 0, 0];
  const types = [TokenType.UNKNOWN, TokenType.CONTROL, TokenType.CONTROL];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    scores.push(0);
    types.push(TokenType.BYTE);
  }
  const pieces = wordPieces().slice(0, count);
  // Pad with synthetic pieces when asked for more than the list holds.
  for (let i = pieces.length; i < count; i++) pieces.push(`▁w${i}`);
  pieces.forEach((piece, i) => {
    tokens.push(piece);
    // SentencePiece merges the highest-scoring pair first: longer pieces score higher.
    scores.push([...piece].length - i / 1000);
    types.push(TokenType.NORMAL);
  });
  return { tokens, scores, types };
}

/** Box–Muller on the library's seeded generator: identical on every platform. */
function gaussianSource(seed: number): () => number {
  const rng = new Rng(seed);
  return () => {
    const u = Math.max(rng.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
  };
}

function buildTensors(opts: Required<TinyLlamaOptions>, vocabSize: number): Tensor[] {
  const gauss = gaussianSource(opts.seed);
  const embd = opts.embd;
  const ff = embd * 2;
  const kvDim = (embd / HEADS) * KV_HEADS;
  const random = (name: string, dims: number[], scale: number): Tensor => {
    const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = gauss() * scale;
    return { name, dims, data };
  };
  const ones = (name: string, n: number): Tensor => ({ name, dims: [n], data: new Float32Array(n).fill(1) });
  // Scales large enough that next-token distributions are far from uniform, so tests that
  // compare probabilities are sensitive to mistakes.
  const tensors = [random("token_embd.weight", [embd, vocabSize], 1), ones("output_norm.weight", embd)];
  const output = random("output.weight", [embd, vocabSize], 0.5);
  // Damp the byte tokens' output rows so generated text is mostly word pieces (readable in test
  // failures) rather than arbitrary bytes that need not form valid UTF-8.
  for (let token = 3; token < 259; token++) {
    for (let i = 0; i < embd; i++) output.data[token * embd + i]! *= 0.25;
  }
  tensors.push(output);
  for (let layer = 0; layer < opts.layers; layer++) {
    const p = `blk.${layer}.`;
    const w = 1 / Math.sqrt(embd);
    tensors.push(
      ones(`${p}attn_norm.weight`, embd),
      random(`${p}attn_q.weight`, [embd, embd], w),
      random(`${p}attn_k.weight`, [embd, kvDim], w),
      random(`${p}attn_v.weight`, [embd, kvDim], w),
      random(`${p}attn_output.weight`, [embd, embd], w),
      ones(`${p}ffn_norm.weight`, embd),
      random(`${p}ffn_gate.weight`, [embd, ff], w),
      random(`${p}ffn_up.weight`, [embd, ff], w),
      random(`${p}ffn_down.weight`, [ff, embd], 1 / Math.sqrt(ff)),
    );
  }
  return tensors;
}

/** Appends little-endian GGUF primitives to a growing list of chunks. */
class GgufBuffer {
  private chunks: Buffer[] = [];
  length = 0;

  private push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    this.push(b);
  }
  i32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.push(b);
  }
  u64(v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  f32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.push(b);
  }
  bool(v: boolean): void {
    this.push(Buffer.from([v ? 1 : 0]));
  }
  string(s: string): void {
    const bytes = Buffer.from(s, "utf8");
    this.u64(bytes.length);
    this.push(bytes);
  }
  raw(b: Buffer): void {
    this.push(b);
  }
  padTo(alignment: number): void {
    const pad = (alignment - (this.length % alignment)) % alignment;
    if (pad) this.push(Buffer.alloc(pad));
  }
  value(v: MetaValue): void {
    this.u32(v.type);
    switch (v.type) {
      case GgufType.UINT32:
        return this.u32(v.value);
      case GgufType.INT32:
        return this.i32(v.value);
      case GgufType.FLOAT32:
        return this.f32(v.value);
      case GgufType.BOOL:
        return this.bool(v.value);
      case GgufType.STRING:
        return this.string(v.value);
      case GgufType.ARRAY: {
        this.u32(v.of);
        this.u64(v.value.length);
        if (v.of === GgufType.STRING) for (const s of v.value as string[]) this.string(s);
        else if (v.of === GgufType.FLOAT32) for (const x of v.value as number[]) this.f32(x);
        else for (const x of v.value as number[]) this.i32(x);
        return;
      }
    }
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** Writes the model to `path` and describes what was written. */
export function writeTinyLlamaGguf(path: string, options: TinyLlamaOptions = {}): TinyLlamaInfo {
  const opts: Required<TinyLlamaOptions> = {
    seed: options.seed ?? 1,
    vocab: options.vocab ?? 128,
    embd: options.embd ?? 32,
    layers: options.layers ?? 2,
    ctx: options.ctx ?? 512,
  };
  if (opts.embd % HEADS !== 0 || (opts.embd / HEADS) % 2 !== 0) {
    throw new Error(`embd must be a multiple of ${HEADS * 2} (got ${opts.embd})`);
  }
  const { tokens, scores, types } = buildVocabulary(opts.vocab);
  const tensors = buildTensors(opts, tokens.length);
  const u32 = (value: number): MetaValue => ({ type: GgufType.UINT32, value });
  const metadata: Array<[string, MetaValue]> = [
    ["general.architecture", { type: GgufType.STRING, value: "llama" }],
    ["general.name", { type: GgufType.STRING, value: `tiny-random-llama-seed${opts.seed}` }],
    ["general.alignment", u32(ALIGNMENT)],
    ["general.file_type", u32(0)], // ALL_F32
    ["llama.context_length", u32(opts.ctx)],
    ["llama.embedding_length", u32(opts.embd)],
    ["llama.block_count", u32(opts.layers)],
    ["llama.feed_forward_length", u32(opts.embd * 2)],
    ["llama.rope.dimension_count", u32(opts.embd / HEADS)],
    ["llama.attention.head_count", u32(HEADS)],
    ["llama.attention.head_count_kv", u32(KV_HEADS)],
    ["llama.attention.layer_norm_rms_epsilon", { type: GgufType.FLOAT32, value: 1e-5 }],
    ["llama.vocab_size", u32(tokens.length)],
    ["tokenizer.ggml.model", { type: GgufType.STRING, value: "llama" }],
    ["tokenizer.ggml.tokens", { type: GgufType.ARRAY, of: GgufType.STRING, value: tokens }],
    ["tokenizer.ggml.scores", { type: GgufType.ARRAY, of: GgufType.FLOAT32, value: scores }],
    ["tokenizer.ggml.token_type", { type: GgufType.ARRAY, of: GgufType.INT32, value: types }],
    ["tokenizer.ggml.unknown_token_id", u32(0)],
    ["tokenizer.ggml.bos_token_id", u32(1)],
    ["tokenizer.ggml.eos_token_id", u32(2)],
    ["tokenizer.ggml.add_bos_token", { type: GgufType.BOOL, value: true }],
    ["tokenizer.ggml.add_eos_token", { type: GgufType.BOOL, value: false }],
  ];

  const out = new GgufBuffer();
  out.raw(Buffer.from("GGUF", "ascii"));
  out.u32(3);
  out.u64(tensors.length);
  out.u64(metadata.length);
  for (const [key, value] of metadata) {
    out.string(key);
    out.value(value);
  }
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    out.string(t.name);
    out.u32(t.dims.length);
    for (const d of t.dims) out.u64(d);
    out.u32(0); // GGML_TYPE_F32
    out.u64(offset);
    offsets.push(offset);
    offset += Math.ceil(t.data.byteLength / ALIGNMENT) * ALIGNMENT;
  }
  out.padTo(ALIGNMENT);
  const dataStart = out.length;
  tensors.forEach((t, i) => {
    const bytes = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    // Little-endian hosts only (every platform node-llama-cpp ships binaries for).
    out.raw(bytes);
    out.padTo(ALIGNMENT);
    if (i + 1 < tensors.length && out.length - dataStart !== offsets[i + 1]) {
      throw new Error(`internal: tensor ${t.name} misaligned`);
    }
  });
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, out.toBuffer());
  return {
    path,
    vocabSize: tokens.length,
    parameters: tensors.reduce((n, t) => n + t.data.length, 0),
    tokens,
    bos: 1,
    eos: 2,
  };
}
