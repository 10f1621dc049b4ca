/**
 * `runSample`: one sample through the network as a small dataflow of Observables. Every input is
 * a ready value; every node is `fireWhenParentsReady(its dependencies)` firing `callLayer`,
 * `renderCombine` or `aggregateEnsemble`. All nodes are subscribed at once, so independent
 * branches run concurrently and each node fires the moment its last parent has a value. The
 * first node failure ends the sample (aborting its other requests) as an error result.
 */
import { catchError, defer, forkJoin, map, of, tap, type Observable } from "rxjs";
import { aggregateEnsemble } from "./aggregateEnsemble.js";
import { callLayer, type SharedScorings } from "./callLayer.js";
import type { RunContext } from "./context.js";
import { errorCode, errorMessage } from "../util/errors.js";
import { ExecError } from "./errors.js";
import { fireWhenParentsReady } from "./fireWhenParentsReady.js";
import { InvalidSample } from "./invalidSample.js";
import type { NodeOutcome } from "./outcome.js";
import type { ExecutionPlan, PlannedNode } from "./execution-plan.js";
import { renderCombine } from "./renderCombine.js";
import type { NodeTrace, RunResult, Sample } from "./types.js";

export function runSample(plan: ExecutionPlan, sample: Sample | InvalidSample, index: number, ctx: RunContext, keepTrace: boolean): Observable<RunResult> {
  if (sample instanceof InvalidSample) {
    return of(withId({ index, values: {}, error: { code: sample.code, message: sample.message } }, sample.id));
  }
  const id = idOf(sample);
  const missing = plan.network.inputs.filter((name) => sample[name] === undefined);
  if (missing.length > 0) {
    const message = `the sample has no ${missing.map((m) => JSON.stringify(m)).join(", ")} field${missing.length > 1 ? "s" : ""} (the network's inputs are ${plan.network.inputs.join(", ")})`;
    return of(withId({ index, values: {}, error: { code: "E_MISSING_INPUT", message } }, id));
  }

  return defer(() => {
    const values: Record<string, unknown> = {};
    const trace: NodeTrace[] | undefined = keepTrace ? [] : undefined;
    const cells = new Map<string, Observable<unknown>>();
    const shared: SharedScorings = new Map();
    const classProbs = new Map<string, Record<string, number>>();
    for (const name of plan.network.inputs) cells.set(name, of(sample[name]));

    const record = (outcome: NodeOutcome): void => {
      values[outcome.trace.node] = outcome.value;
      if (outcome.trace.classProbs) classProbs.set(outcome.trace.node, outcome.trace.classProbs);
      trace?.push(outcome.trace);
    };
    const cellOf = (nodeId: string): Observable<unknown> => {
      let cell = cells.get(nodeId);
      if (!cell) {
        const planned = plan.nodes.get(nodeId);
        if (!planned) throw new ExecError("E_UNKNOWN_NODE", `no node or input named "${nodeId}"`);
        // Recorded inside the shared firing, so once per node however many children read it.
        cell = fireWhenParentsReady(planned.deps.map(cellOf), (deps) =>
          fireNode(planned, deps, index, ctx, shared, (id) => classProbs.get(id)).pipe(
            tap(record),
            map((o) => o.value),
          ),
        );
        cells.set(nodeId, cell);
      }
      return cell;
    };

    return forkJoin(plan.order.map(cellOf)).pipe(
      map((): RunResult => withId({ index, output: values[plan.network.output], values, trace }, id)),
      catchError((err: unknown) => {
        const error = { node: (err as ExecError).node, code: errorCode(err, "E_EXEC"), message: errorMessage(err) };
        if (error.node === undefined) delete error.node;
        return of(withId({ index, values, trace, error }, id));
      }),
    );
  });
}

function fireNode(
  planned: PlannedNode,
  deps: unknown[],
  index: number,
  ctx: RunContext,
  shared: SharedScorings,
  classProbsOf: (node: string) => Record<string, number> | undefined,
): Observable<NodeOutcome> {
  switch (planned.kind) {
    case "layer":
      return callLayer(planned, deps, index, ctx, shared);
    case "combine":
      return defer(() => of(renderCombine(planned, deps)));
    case "ensemble":
      return defer(() => of(aggregateEnsemble(planned, deps, classProbsOf)));
  }
}

function idOf(sample: Sample): string | undefined {
  const id = sample.id;
  return typeof id === "string" ? id : typeof id === "number" ? String(id) : undefined;
}

function withId(result: RunResult, id: string | undefined): RunResult {
  if (id !== undefined) result.id = id;
  if (result.trace === undefined) delete result.trace;
  return result;
}
