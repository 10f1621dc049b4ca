import { PassThrough } from "node:stream";

/** A writable stream for a command's stdout or stderr, and the text written to it so far. */
export function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (d) => (text += d));
  return { stream, text: () => text };
}
