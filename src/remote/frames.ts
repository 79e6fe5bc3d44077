/**
 * The protocol's messages on a byte stream (a pipe, a TCP connection): each
 * frame is a 4-byte big-endian length, then a `node:v8` serialisation (the
 * structured-clone format: what `structuredClone` accepts crosses —
 * primitives, BigInt, plain objects, arrays, Map, Set, Date, RegExp, typed
 * arrays; not functions, symbols or class prototypes).
 *
 * @module
 */

import { received } from "../_text.ts";
import { Buffer } from "node:buffer";
import v8 from "node:v8";

/** Largest frame either side accepts (bytes). */
export const MAX_FRAME = 1 << 30;

/**
 * Encodes one frame.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { encodeFrame, FrameReader } from "./frames.ts";
 * const got: unknown[] = [];
 * const reader = new FrameReader((m) => got.push(m));
 * const bytes = encodeFrame({ t: "x", n: 1n });
 * reader.push(bytes.subarray(0, 3));
 * reader.push(bytes.subarray(3));
 * assertEquals(got, [{ t: "x", n: 1n }]);
 * ```
 *
 * @param message the message
 * @returns length prefix and payload
 * @throws {Error} when the message cannot be serialised
 */
export function encodeFrame(message: unknown): Uint8Array {
  const body = v8.serialize(message);
  const frame = new Uint8Array(4 + body.length);
  new DataView(frame.buffer).setUint32(0, body.length);
  frame.set(body, 4);
  return frame;
}

/**
 * Whether `value` can be serialised into a frame.
 *
 * @param value anything
 * @returns the error that keeps it from crossing, or undefined
 */
export function unserialisable(value: unknown): unknown {
  try {
    v8.serialize(value);
    return undefined;
  } catch (error) {
    return error;
  }
}

/**
 * Splits a byte stream into decoded frames. Feed it chunks; it calls
 * `onFrame` for every complete frame.
 */
export class FrameReader {
  #buffer = new Uint8Array(0);
  readonly #onFrame: (message: unknown) => void;

  /** @param onFrame called with each decoded message */
  constructor(onFrame: (message: unknown) => void) {
    this.#onFrame = onFrame;
  }

  /**
   * Adds bytes.
   *
   * @param chunk the bytes read
   * @throws {RangeError} on a frame longer than {@link MAX_FRAME}
   */
  push(chunk: Uint8Array): void {
    let buf: Uint8Array;
    if (this.#buffer.length === 0) buf = chunk;
    else {
      buf = new Uint8Array(this.#buffer.length + chunk.length);
      buf.set(this.#buffer);
      buf.set(chunk, this.#buffer.length);
    }
    let at = 0;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    while (buf.length - at >= 4) {
      const len = view.getUint32(at);
      if (len > MAX_FRAME) {
        throw new RangeError(
          `Cannot read frame as its length exceeds ${MAX_FRAME}: ${received(len)}`,
        );
      }
      if (buf.length - at - 4 < len) break;
      const body = buf.subarray(at + 4, at + 4 + len);
      at += 4 + len;
      this.#onFrame(v8.deserialize(Buffer.from(body.buffer, body.byteOffset, body.byteLength)));
    }
    // Copy the rest: `chunk` may be reused by the reader.
    this.#buffer = buf.slice(at);
  }
}

/** Writes frames in order on one stream (a connection or a pipe). */
export class FrameWriter {
  #chain: Promise<void> = Promise.resolve();
  readonly #write: (bytes: Uint8Array) => Promise<number>;
  #failed: unknown = undefined;

  /** @param write writes some of the bytes, returns how many (as `Deno.Conn.write`) */
  constructor(write: (bytes: Uint8Array) => Promise<number>) {
    this.#write = write;
  }

  /**
   * Queues `bytes` after what was queued before.
   *
   * @param bytes a frame
   * @returns settles when written; rejects when writing failed (then or before)
   */
  write(bytes: Uint8Array): Promise<void> {
    this.#chain = this.#chain.then(async () => {
      if (this.#failed !== undefined) throw this.#failed;
      try {
        let at = 0;
        while (at < bytes.length) at += await this.#write(bytes.subarray(at));
      } catch (error) {
        this.#failed = error;
        throw error;
      }
    });
    return this.#chain;
  }
}
