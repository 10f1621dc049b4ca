import { createServer } from "node:net";

/** A loopback port nothing listens on (bound, then released): connections to it are refused. */
export async function refusedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((done) => s.listen(0, "127.0.0.1", done));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((done) => s.close(() => done()));
  return port;
}
