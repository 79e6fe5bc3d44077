/**
 * Writes a tiny llama-architecture GGUF model with seeded random weights, so
 * a real inference engine (llama.cpp) can be tested with no model download.
 * It generates real tokens, which mean nothing: a word vocabulary keeps the
 * output printable, and the end-of-text token is never the most likely one,
 * so generation runs until `max_tokens`.
 *
 * @module
 */
import { rng } from "./_rng.ts";

const enum T {
  U32 = 4,
  I32 = 5,
  F32 = 6,
  STRING = 8,
  ARRAY = 9,
}

type Meta = [key: string, type: T, value: unknown, elem?: T];

/** The words of the vocabulary (each also as a word start, `▁word`). */
const WORDS = (
  "the a of and to in is it that for on with as was at by this be are from or an have not " +
  "data model task flow graph node run job step time test value result answer summary text " +
  "work plan fast slow good new old one two three four five six seven eight nine ten"
).split(" ");

/** The tokens: `<unk>`, `<s>`, `</s>`, the words with and without `▁`, letters. */
export function vocabulary(): { tokens: string[]; types: number[] } {
  const tokens = ["<unk>", "<s>", "</s>"];
  const types = [2, 3, 3];
  const add = (t: string) => {
    if (tokens.includes(t)) return;
    tokens.push(t);
    types.push(1);
  };
  // byte fallback (llama.cpp's SPM tokenizer wants <0x0A> at least); never generated
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(6);
  }
  for (const w of WORDS) add(`▁${w}`);
  for (const w of WORDS) add(w);
  for (const c of "abcdefghijklmnopqrstuvwxyz.,?!:'-0123456789") add(c);
  add("▁");
  return { tokens, types };
}

/**
 * The GGUF file's bytes.
 *
 * @param seed the weights' seed
 * @returns the file
 */
export function tinyLlamaGGUF(seed = 1): Uint8Array {
  const { tokens, types } = vocabulary();
  const nVocab = tokens.length;
  const nEmbd = 32, nHead = 4, nFF = 64, nLayer = 2, ctx = 512;
  const rand = rng(seed);
  const noise = (n: number, scale: number) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = (rand() * 2 - 1) * scale;
    return a;
  };
  const ones = (n: number) => new Float32Array(n).fill(1);
  const tensors: [string, number[], Float32Array][] = [];
  // every embedding has a large constant first component: the hidden state keeps it
  const embd = noise(nEmbd * nVocab, 0.5);
  for (let t = 0; t < nVocab; t++) embd[t * nEmbd] = 8;
  tensors.push(["token_embd.weight", [nEmbd, nVocab], embd]);
  for (let l = 0; l < nLayer; l++) {
    const b = `blk.${l}.`;
    tensors.push([b + "attn_norm.weight", [nEmbd], ones(nEmbd)]);
    tensors.push([b + "attn_q.weight", [nEmbd, nEmbd], noise(nEmbd * nEmbd, 0.05)]);
    tensors.push([b + "attn_k.weight", [nEmbd, nEmbd], noise(nEmbd * nEmbd, 0.05)]);
    tensors.push([b + "attn_v.weight", [nEmbd, nEmbd], noise(nEmbd * nEmbd, 0.05)]);
    tensors.push([b + "attn_output.weight", [nEmbd, nEmbd], noise(nEmbd * nEmbd, 0.05)]);
    tensors.push([b + "ffn_norm.weight", [nEmbd], ones(nEmbd)]);
    tensors.push([b + "ffn_gate.weight", [nEmbd, nFF], noise(nEmbd * nFF, 0.05)]);
    tensors.push([b + "ffn_up.weight", [nEmbd, nFF], noise(nEmbd * nFF, 0.05)]);
    tensors.push([b + "ffn_down.weight", [nFF, nEmbd], noise(nFF * nEmbd, 0.05)]);
  }
  tensors.push(["output_norm.weight", [nEmbd], ones(nEmbd)]);
  // the first component decides: control tokens far below every word
  const out = noise(nEmbd * nVocab, 1);
  for (let t = 0; t < nVocab; t++) out[t * nEmbd] = types[t] === 1 ? 1 : -4;
  tensors.push(["output.weight", [nEmbd, nVocab], out]);

  const meta: Meta[] = [
    ["general.architecture", T.STRING, "llama"],
    ["general.name", T.STRING, "asyncflow-tiny-test"],
    ["general.file_type", T.U32, 0],
    ["general.alignment", T.U32, 32],
    ["llama.context_length", T.U32, ctx],
    ["llama.embedding_length", T.U32, nEmbd],
    ["llama.block_count", T.U32, nLayer],
    ["llama.feed_forward_length", T.U32, nFF],
    ["llama.attention.head_count", T.U32, nHead],
    ["llama.attention.head_count_kv", T.U32, nHead],
    ["llama.rope.dimension_count", T.U32, nEmbd / nHead],
    ["llama.attention.layer_norm_rms_epsilon", T.F32, 1e-5],
    ["llama.vocab_size", T.U32, nVocab],
    ["tokenizer.ggml.model", T.STRING, "llama"],
    ["tokenizer.ggml.tokens", T.ARRAY, tokens, T.STRING],
    ["tokenizer.ggml.scores", T.ARRAY, tokens.map((t) => -t.length), T.F32],
    ["tokenizer.ggml.token_type", T.ARRAY, types, T.I32],
    ["tokenizer.ggml.bos_token_id", T.U32, 1],
    ["tokenizer.ggml.eos_token_id", T.U32, 2],
    ["tokenizer.ggml.unknown_token_id", T.U32, 0],
    ["tokenizer.ggml.add_bos_token", 7 as T, true],
  ];

  const w = new Writer();
  w.bytes(new TextEncoder().encode("GGUF"));
  w.u32(3);
  w.u64(tensors.length);
  w.u64(meta.length);
  for (const [key, type, value, elem] of meta) {
    w.str(key);
    w.u32(type);
    w.value(type, value, elem);
  }
  let offset = 0;
  for (const [name, dims, data] of tensors) {
    w.str(name);
    w.u32(dims.length);
    for (const d of dims) w.u64(d);
    w.u32(0); // F32
    w.u64(offset);
    offset += align(data.byteLength);
  }
  w.pad();
  for (const [, , data] of tensors) {
    w.bytes(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    w.pad();
  }
  return w.done();
}

function align(n: number): number {
  return Math.ceil(n / 32) * 32;
}

class Writer {
  #buf = new Uint8Array(1 << 16);
  #view = new DataView(this.#buf.buffer);
  #n = 0;
  #room(k: number) {
    if (this.#n + k <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#n + k));
    next.set(this.#buf.subarray(0, this.#n));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }
  bytes(b: Uint8Array) {
    this.#room(b.length);
    this.#buf.set(b, this.#n);
    this.#n += b.length;
  }
  u32(v: number) {
    this.#room(4);
    this.#view.setUint32(this.#n, v, true);
    this.#n += 4;
  }
  i32(v: number) {
    this.#room(4);
    this.#view.setInt32(this.#n, v, true);
    this.#n += 4;
  }
  f32(v: number) {
    this.#room(4);
    this.#view.setFloat32(this.#n, v, true);
    this.#n += 4;
  }
  u64(v: number) {
    this.#room(8);
    this.#view.setBigUint64(this.#n, BigInt(v), true);
    this.#n += 8;
  }
  str(s: string) {
    const b = new TextEncoder().encode(s);
    this.u64(b.length);
    this.bytes(b);
  }
  value(type: T, v: unknown, elem?: T) {
    switch (type) {
      case T.U32:
        return this.u32(v as number);
      case T.I32:
        return this.i32(v as number);
      case T.F32:
        return this.f32(v as number);
      case T.STRING:
        return this.str(v as string);
      case 7 as T:
        this.#room(1);
        this.#buf[this.#n++] = v ? 1 : 0;
        return;
      case T.ARRAY: {
        const a = v as unknown[];
        this.u32(elem!);
        this.u64(a.length);
        for (const x of a) this.value(elem!, x);
        return;
      }
    }
  }
  pad() {
    const k = align(this.#n) - this.#n;
    this.bytes(new Uint8Array(k));
  }
  done(): Uint8Array {
    return this.#buf.slice(0, this.#n);
  }
}

if (import.meta.main) {
  const path = Deno.args[0] ?? "tiny.gguf";
  await Deno.writeFile(path, tinyLlamaGGUF());
  console.log(path);
}
