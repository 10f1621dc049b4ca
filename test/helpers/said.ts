/** What an error says to its reader: its message, then its hint (what to do), one per line. */
function sayingOf(e: unknown): string {
  const err = e as { message?: unknown; hint?: unknown } | null;
  return `${String(err?.message ?? e)}\n${typeof err?.hint === "string" ? err.hint : ""}`;
}

/** What the rejection of `p` says (message and hint); fails when `p` resolves. */
export async function said(p: Promise<unknown>): Promise<string> {
  return p.then(() => {
    throw new Error("expected a rejection, but the promise resolved");
  }, sayingOf);
}

/** What `fn` throws says (message and hint); fails when it returns. */
export function saidSync(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return sayingOf(e);
  }
  throw new Error("expected a throw, but the function returned");
}
