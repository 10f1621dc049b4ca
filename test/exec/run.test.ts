import { describe, expect, it } from "vitest";
import { firstValueFrom, lastValueFrom, Subject, toArray } from "rxjs";
import { runAll, runNetwork, type InternalRunOptions } from "../../src/exec/run.js";
import { InvalidSample } from "../../src/exec/invalidSample.js";
import { clientsOf, fakeClient } from "./helpers/fakeClient.js";
import { layer, network } from "./helpers/network.js";
import { at, key, only } from "../helpers/indexing.js";

/** Answers a layer call `id(args)` with `id:args`, so every value shows the path it came through. */
const echo = (prompt: string): string => prompt.replace(/^(\w+)\((.*)\)$/s, "$1:$2");

const xs = (n: number) => Array.from({ length: n }, (_, i) => ({ x: `s${i}` }));

describe("runNetwork: dataflow", () => {
  it("runs a chain and returns every sample in input order with runAll", async () => {
    const client = fakeClient(echo);
    const net = network(["x"], "h2", [layer("h1", ["x"]), layer("h2", ["h1"])]);
    const results = await runAll(net, xs(5), { clients: clientsOf(client) });
    expect(results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
    expect(results[3]).toEqual({ index: 3, output: "h2:h1:s3", values: { h1: "h1:s3", h2: "h2:h1:s3" } });
    expect(client.calls).toHaveLength(10);
  });

  it("feeds residual, diamond, wide and 5-deep graphs", async () => {
    const client = fakeClient(echo);
    const clients = clientsOf(client);
    const residual = network(["x"], "y", [layer("h", ["x"]), layer("y", ["x", "h"])]);
    expect(at(await runAll(residual, [{ x: "a" }], { clients }), 0).output).toBe("y:a|h:a");

    const diamond = network(["x"], "d", [layer("b", ["x"]), layer("c", ["x"]), layer("d", ["b", "c"])]);
    expect(at(await runAll(diamond, [{ x: "a" }], { clients }), 0).output).toBe("d:b:a|c:a");

    const names = ["w1", "w2", "w3", "w4", "w5", "w6"];
    const wide = network(["x"], "out", [...names.map((n) => layer(n, ["x"])), layer("out", names)]);
    expect(at(await runAll(wide, [{ x: "a" }], { clients }), 0).output).toBe(`out:${names.map((n) => `${n}:a`).join("|")}`);

    const deep = network(
      ["x"],
      "l5",
      [1, 2, 3, 4, 5].map((i) => layer(`l${i}`, [i === 1 ? "x" : `l${i - 1}`])),
    );
    expect(at(await runAll(deep, [{ x: "a" }], { clients }), 0).output).toBe("l5:l4:l3:l2:l1:a");
  });

  it("runs independent branches of one sample at the same time", async () => {
    const client = fakeClient((p) => ({ text: echo(p), delayMs: 10 }));
    const names = ["w1", "w2", "w3", "w4"];
    const wide = network(["x"], "out", [...names.map((n) => layer(n, ["x"])), layer("out", names)]);
    await runAll(wide, [{ x: "a" }], { clients: clientsOf(client) });
    expect(client.maxInFlight).toBe(4);
  });

  it("reaches the concurrency limit when there is enough work and never exceeds it", async () => {
    const client = fakeClient((p) => ({ text: echo(p), delayMs: 5 }));
    const net = network(["x"], "h2", [layer("h1", ["x"]), layer("h2", ["h1"])]);
    const results = await runAll(net, xs(30), { clients: clientsOf(client), concurrency: 4 });
    expect(results).toHaveLength(30);
    expect(results.every((r) => !r.error)).toBe(true);
    expect(client.maxInFlight).toBe(4);
  });

  it("pulls samples lazily: never reads more than the concurrency ahead", async () => {
    const client = fakeClient((p) => ({ text: echo(p), delayMs: 2 }));
    const net = network(["x"], "h", [layer("h", ["x"])]);
    let pulled = 0;
    let completed = 0;
    let worstLead = 0;
    function* samples() {
      for (let i = 0; i < 20; i++) {
        pulled++;
        worstLead = Math.max(worstLead, pulled - completed);
        yield { x: `s${i}` };
      }
    }
    async function* asyncSamples() {
      yield* samples();
    }
    for (const source of [samples(), asyncSamples()]) {
      pulled = completed = worstLead = 0;
      await lastValueFrom(runNetwork(net, source, { clients: clientsOf(client), concurrency: 3, onProgress: (p) => (completed = p.done) }));
      expect(pulled).toBe(20);
      expect(worstLead).toBeLessThanOrEqual(3);
    }
  });

  it("accepts an Observable of samples", async () => {
    const client = fakeClient(echo);
    const net = network(["x"], "h", [layer("h", ["x"])]);
    const subject = new Subject<Record<string, unknown>>();
    const done = lastValueFrom(runNetwork(net, subject, { clients: clientsOf(client) }).pipe(toArray()));
    subject.next({ x: "a", id: "first" });
    subject.next({ x: "b" });
    subject.complete();
    const results = (await done).sort((a, b) => a.index - b.index);
    expect(results.map((r) => [r.id, r.output])).toEqual([
      ["first", "h:a"],
      [undefined, "h:b"],
    ]);
  });

  it("a slow sample does not hold the others back", async () => {
    const client = fakeClient((p) => ({ text: echo(p), delayMs: p.includes("slow") ? 40 : 1 }));
    const net = network(["x"], "h2", [layer("h1", ["x"]), layer("h2", ["h1"])]);
    const order: number[] = [];
    await lastValueFrom(runNetwork(net, [{ x: "slow" }, { x: "a" }, { x: "b" }], { clients: clientsOf(client) }).pipe(toArray())).then((rs) =>
      order.push(...rs.map((r) => r.index)),
    );
    expect(order).toEqual([1, 2, 0]);
  });

  it("a slow branch does not delay the nodes that do not need it", async () => {
    const client = fakeClient((p) => ({ text: echo(p), delayMs: p.startsWith("slow(") ? 40 : 1 }));
    // fast2 needs only fast1; join needs both branches.
    const net = network(["x"], "join", [layer("slow", ["x"]), layer("fast1", ["x"]), layer("fast2", ["fast1"]), layer("join", ["slow", "fast2"])]);
    await runAll(net, [{ x: "a" }], { clients: clientsOf(client) });
    const ev = client.events;
    expect(ev.indexOf("end fast2(fast1:a)")).toBeLessThan(ev.indexOf("end slow(a)"));
    expect(ev.indexOf("start join(slow:a|fast2:fast1:a)")).toBeGreaterThan(ev.indexOf("end slow(a)"));
  });
});

describe("runNetwork: errors", () => {
  it("turns a failed call into that sample's error result naming the node; the run goes on", async () => {
    const boom = Object.assign(new Error("The endpoint rejected the request (HTTP 400)"), { code: "E_BAD_REQUEST" });
    const client = fakeClient((p) => (p === "h2(h1:bad)" ? { error: boom } : echo(p)));
    const net = network(["x"], "h2", [layer("h1", ["x"]), layer("h2", ["h1"])]);
    const results = await runAll(net, [{ x: "a" }, { x: "bad", id: "b1" }, { x: "c" }], { clients: clientsOf(client) });
    expect(at(results, 0).output).toBe("h2:h1:a");
    expect(at(results, 2).output).toBe("h2:h1:c");
    expect(results[1]).toMatchObject({ index: 1, id: "b1", values: { h1: "h1:bad" }, error: { node: "h2", code: "E_BAD_REQUEST" } });
    expect(at(results, 1).error!.message).toContain("HTTP 400");
    expect(at(results, 1).output).toBeUndefined();
  });

  it("a failing node aborts its sample's other requests in flight", async () => {
    const client = fakeClient((p) => (p.startsWith("bad(") ? { error: new Error("nope"), delayMs: 1 } : { text: "ok", delayMs: 200 }));
    const net = network(["x"], "j", [layer("bad", ["x"]), layer("slow", ["x"]), layer("j", ["bad", "slow"])]);
    const r = only(await runAll(net, [{ x: "a" }], { clients: clientsOf(client) }));
    expect(r.error).toMatchObject({ node: "bad", code: "E_MODEL", message: "nope" });
    expect(client.aborted).toBe(1);
  });

  it("reports a missing input field and an InvalidSample as error results without calling the model", async () => {
    const client = fakeClient(echo);
    const net = network(["x"], "h", [layer("h", ["x"])]);
    const results = await runAll(net, [{ y: 1, id: 7 }, new InvalidSample("E_INVALID_SAMPLE", "line 2: not valid JSON"), { x: "ok" }], {
      clients: clientsOf(client),
    });
    expect(results[0]).toMatchObject({ index: 0, id: "7", error: { code: "E_MISSING_INPUT" } });
    expect(at(results, 0).error!.message).toContain('"x"');
    expect(results[1]).toEqual({ index: 1, values: {}, error: { code: "E_INVALID_SAMPLE", message: "line 2: not valid JSON" } });
    expect(at(results, 2).output).toBe("h:ok");
    expect(client.calls).toHaveLength(1);
  });

  it("a template error is an E_TEMPLATE error of that node", async () => {
    const client = fakeClient(echo);
    const net = network(["x"], "h", [layer("h", ["x"], { template: "{{ x | no_such_filter }}" })]);
    const r = only(await runAll(net, [{ x: "a" }], { clients: clientsOf(client) }));
    expect(r.error).toMatchObject({ node: "h", code: "E_TEMPLATE" });
  });

  it("failFast stops at the first failed sample and aborts the rest", async () => {
    const client = fakeClient((p) => (p === "h(bad)" ? { error: new Error("down"), delayMs: 1 } : { text: "ok", delayMs: 100 }));
    const net = network(["x"], "h", [layer("h", ["x"])]);
    const results = await lastValueFrom(
      runNetwork(net, [{ x: "a" }, { x: "bad" }, { x: "b" }, { x: "c" }], { clients: clientsOf(client), concurrency: 2, failFast: true }).pipe(toArray()),
    );
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ index: 1, error: { code: "E_MODEL" } });
    expect(client.aborted).toBeGreaterThanOrEqual(1);
    expect(client.inFlight).toBe(0);
  });
});

describe("runNetwork: cancellation", () => {
  it("an aborted signal stops new requests, aborts those in flight and errors with E_ABORTED", async () => {
    const client = fakeClient((p) => ({ text: echo(p), delayMs: 1000 }));
    const net = network(["x"], "h2", [layer("h1", ["x"]), layer("h2", ["h1"])]);
    const controller = new AbortController();
    const run = lastValueFrom(runNetwork(net, xs(50), { clients: clientsOf(client), concurrency: 5, signal: controller.signal }));
    await waitFor(() => client.inFlight === 5);
    controller.abort();
    await expect(run).rejects.toMatchObject({ code: "E_ABORTED" });
    expect(client.aborted).toBe(5);
    expect(client.inFlight).toBe(0);
    await new Promise((r) => setTimeout(r, 20));
    expect(client.calls).toHaveLength(5);
  });

  it("unsubscribing aborts the requests in flight", async () => {
    const client = fakeClient((p) => ({ text: echo(p), delayMs: 1000 }));
    const net = network(["x"], "h", [layer("h", ["x"])]);
    const sub = runNetwork(net, xs(10), { clients: clientsOf(client), concurrency: 3 }).subscribe();
    await waitFor(() => client.inFlight === 3);
    sub.unsubscribe();
    expect(client.aborted).toBe(3);
    expect(client.calls).toHaveLength(3);
  });

  it("a signal aborted before the start calls nothing", async () => {
    const client = fakeClient(echo);
    const net = network(["x"], "h", [layer("h", ["x"])]);
    await expect(firstValueFrom(runNetwork(net, xs(3), { clients: clientsOf(client), signal: AbortSignal.abort() }))).rejects.toMatchObject({
      code: "E_ABORTED",
    });
    expect(client.calls).toHaveLength(0);
  });
});

describe("runNetwork: options and layers", () => {
  it("applies prompt overrides by layer id and by parameter id, and the temperature override", async () => {
    const client = fakeClient((p) => p);
    const net = network(["x"], "b", [
      layer("a", ["x"], { template: "{{ prompt }}/{{ x }}", prompt: "A0" }),
      layer("b", ["a"], { template: "{{ prompt }}/{{ a }}", prompt: "B0", param: "shared", temperature: 0.3 }),
    ]);
    const r = only(await runAll(net, [{ x: "v" }], { clients: clientsOf(client), prompts: { a: "A1", shared: "B1" }, temperature: 0.9 }));
    expect(r.output).toBe("B1/A1/v");
    expect(client.calls.map((c) => c.temperature)).toEqual([0.9, 0.9]);
    const r0 = only(await runAll(net, [{ x: "v" }], { clients: clientsOf(client) }));
    expect(r0.output).toBe("B0/A0/v");
  });

  it("passes maxTokens, stop, the abort signal and sample keys into the request", async () => {
    const client = fakeClient((p) => p);
    const net = network(["x"], "h", [layer("h", ["x"], { maxTokens: 7, stop: ["\n"] })]);
    await runAll(net, [{ x: "a" }, { x: "b" }], { clients: clientsOf(client), sampleKey: "it3" });
    const byPrompt = new Map(client.calls.map((c) => [c.prompt, c]));
    expect(byPrompt.get("h(b)")).toMatchObject({ maxTokens: 7, stop: ["\n"], sampleKey: "it3/1/h" });
    expect(byPrompt.get("h(a)")!.signal).toBeInstanceOf(AbortSignal);
  });

  it("records a trace of every node when asked, and usage in progress reports", async () => {
    const client = fakeClient((p) => ` ${echo(p)} `);
    const net = network(["x"], "c", [layer("h", ["x"]), { kind: "combine", id: "c", parents: ["x", "h"], template: "{{ x }}+{{ h }}" }]);
    const progress: number[] = [];
    const r = only(await runAll(net, [{ x: "a" }], { clients: clientsOf(client), trace: true, onProgress: (p) => progress.push(p.usage.requests) }));
    expect(r.output).toBe("a+h:a");
    expect(r.trace!.map((t) => t.node)).toEqual(["h", "c"]);
    expect(r.trace![0]).toMatchObject({ kind: "layer", rendered: "h(a)", raw: " h:a ", value: "h:a", usage: { requests: 1 } });
    expect(r.trace![1]).toMatchObject({ kind: "combine", rendered: "a+h:a", value: "a+h:a" });
    expect(progress).toEqual([0, 1]);
    const untraced = only(await runAll(net, [{ x: "a" }], { clients: clientsOf(client) }));
    expect(untraced.trace).toBeUndefined();
  });

  it("answers a classes layer with the scored class and records the probabilities", async () => {
    const client = fakeClient(() => "should not be called", { topLogprobs: 5 });
    const net = network(["x"], "y", [
      layer("y", ["x"], {
        classes: [
          { label: "yes", verbalizers: ["yes"] },
          { label: "no", verbalizers: ["no"] },
        ],
      }),
    ]);
    const options: InternalRunOptions = {
      clients: clientsOf(client),
      trace: true,
      scoreClasses: async () => ({ probs: { yes: 0.2, no: 0.8 }, usage: { requests: 1, promptTokens: 3, completionTokens: 1, cacheHits: 0, cost: 0 } }),
    };
    const r = only(await runAll(net, [{ x: "a" }], options));
    expect(r.output).toBe("no");
    expect(at(r.trace!, 0).classProbs).toEqual({ yes: 0.2, no: 0.8 });
    expect(client.calls).toHaveLength(0);
  });

  it("falls back to generate and match when scoring is unsupported", async () => {
    const client = fakeClient(() => "Positive, clearly.", { topLogprobs: 5 });
    const net = network(["x"], "y", [
      layer("y", ["x"], {
        classes: [
          { label: "pos", verbalizers: ["positive"] },
          { label: "neg", verbalizers: ["negative"] },
        ],
      }),
    ]);
    const options: InternalRunOptions = {
      clients: clientsOf(client),
      scoreClasses: async () => {
        throw Object.assign(new Error("no logprobs"), { code: "E_UNSUPPORTED" });
      },
    };
    const r = only(await runAll(net, [{ x: "a" }], options));
    expect(r.output).toBe("pos");
    expect(client.calls).toHaveLength(1);
  });
});

describe("runNetwork: ensembles", () => {
  const yesNo = [
    { label: "yes", verbalizers: ["yes"] },
    { label: "no", verbalizers: ["no"] },
  ];

  it("votes by majority and breaks ties by class order, keeping every member's value in the trace", async () => {
    const answers: Record<string, string> = { m1: "no", m2: "yes", m3: "no" };
    const client = fakeClient((p) => key(answers, p.slice(0, 2)));
    const members = ["m1", "m2", "m3"].map((m) => layer(m, ["x"], { classes: yesNo }));
    const majority = network(["x"], "e", [
      ...members,
      { kind: "ensemble", id: "e", parents: ["m1", "m2", "m3"], members: ["m1", "m2", "m3"], aggregate: "vote" },
    ]);
    const r = only(await runAll(majority, [{ x: "a" }], { clients: clientsOf(client), trace: true }));
    expect(r.output).toBe("no");
    expect(r.trace!.find((t) => t.node === "e")!.members).toEqual([
      { node: "m1", value: "no" },
      { node: "m2", value: "yes" },
      { node: "m3", value: "no" },
    ]);

    const tie = network(["x"], "e", [...members.slice(0, 2), { kind: "ensemble", id: "e", parents: ["m1", "m2"], members: ["m1", "m2"], aggregate: "vote" }]);
    expect(at(await runAll(tie, [{ x: "a" }], { clients: clientsOf(client) }), 0).output).toBe("yes");
  });

  it("without classes, a tie goes to the earlier member; concat joins with blank lines", async () => {
    const client = fakeClient((p) => ({ m1: "B", m2: "A" })[p.slice(0, 2)] ?? "?");
    const members = [layer("m1", ["x"]), layer("m2", ["x"])];
    const vote = network(["x"], "e", [...members, { kind: "ensemble", id: "e", parents: ["m1", "m2"], members: ["m1", "m2"], aggregate: "vote" }]);
    expect(at(await runAll(vote, [{ x: "a" }], { clients: clientsOf(client) }), 0).output).toBe("B");
    const concat = network(["x"], "e", [...members, { kind: "ensemble", id: "e", parents: ["m1", "m2"], members: ["m1", "m2"], aggregate: "concat" }]);
    expect(at(await runAll(concat, [{ x: "a" }], { clients: clientsOf(client) }), 0).output).toBe("B\n\nA");
  });

  it("a judge layer sees the members and candidates, and its value is the ensemble's", async () => {
    const client = fakeClient((p) => (p.startsWith("J") ? `picked from ${p}` : p.slice(0, 2)));
    const net = network(["x"], "e", [
      layer("m1", ["x"]),
      layer("m2", ["x"]),
      // The compiler's shape: a judge's parents include the members; `from` is what its template sees.
      layer("j", ["x", "m1", "m2"], { from: ["x"], template: "J {{ x }} [{{ members | join: ',' }}] {{ candidates }}", judgeOf: "e" }),
      { kind: "ensemble", id: "e", parents: ["m1", "m2"], members: ["m1", "m2"], aggregate: { judge: "j" } },
    ]);
    const r = only(await runAll(net, [{ x: "q" }], { clients: clientsOf(client) }));
    expect(r.output).toBe("picked from J q [m1,m2] 1. m1\n2. m2");
    expect(r.values.j).toBe(r.output);
  });

  it("replicas that share a prompt get distinct sample keys", async () => {
    const client = fakeClient(() => "yes");
    const proto = { param: "m", prompt: "P", temperature: 0.7, template: "{{ prompt }} {{ x }}" };
    const net = network(["x"], "e", [
      layer("e#1", ["x"], proto),
      layer("e#2", ["x"], proto),
      { kind: "ensemble", id: "e", parents: ["e#1", "e#2"], members: ["e#1", "e#2"], aggregate: "vote" },
    ]);
    await runAll(net, [{ x: "a" }], { clients: clientsOf(client) });
    expect(client.calls.map((c) => c.sampleKey).sort()).toEqual(["e#1", "e#2"]);
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 2));
  }
}
