"""monitor.runner.run_checks on the scale store, next to the reads of its inputs alone.

    python bench/bench_checks.py

run_checks = read inputs + evaluate + apply the findings lifecycle (a write). Timing the
first two on their own shows where the time goes. No timing is asserted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


from bench.measure import median_ms
from bench.scale_store import CACHE, END, INSTANCE, print_setting, scale_store
from checks import REGISTRY
from monitor.runner import load_inputs, run_checks

GOAL_MS = 1000.0
RUNS = 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached scale store")
    args = parser.parse_args()

    store = scale_store(CACHE, rebuild=args.rebuild)
    settings = {check.id: check.resolve_settings() for check in REGISTRY}
    summary = run_checks(store, INSTANCE, END)  # warm-up; also brings findings up to date
    print_setting(store)
    print(
        f"{len(REGISTRY)} checks at now={END.isoformat()}: {summary.findings} findings, "
        f"{len(summary.not_evaluated)} not evaluated, failed: {summary.failed_checks or 'none'}"
    )

    total_ms = median_ms(lambda: run_checks(store, INSTANCE, END), RUNS)

    def read_all() -> None:
        with store.read() as con:
            for check in REGISTRY:
                load_inputs(con, check, settings[check.id], INSTANCE, END)

    reads_ms = median_ms(read_all, RUNS)
    print(f"{'check':<24}{'inputs':>8}{'rows read':>12}{'read ms':>10}{'evaluate ms':>13}")
    evaluate_total = 0.0
    with store.read() as con:
        for check in REGISTRY:
            config = settings[check.id]
            data = load_inputs(con, check, config, INSTANCE, END)
            read_ms = median_ms(
                lambda c=check, s=config: load_inputs(con, c, s, INSTANCE, END), RUNS
            )
            evaluate_ms = median_ms(lambda c=check, d=data, s=config: c.evaluate(d, s, END), RUNS)
            evaluate_total += evaluate_ms
            rows = sum(len(frame) for frame in data.values())
            print(f"{check.id:<24}{len(data):>8}{rows:>12,}{read_ms:>10.1f}{evaluate_ms:>13.1f}")

    rest_ms = total_ms - reads_ms - evaluate_total
    verdict = "met" if total_ms <= GOAL_MS else "MISSED"
    print(
        f"run_checks, all checks (median of {RUNS})  {total_ms:8.1f} ms  "
        f"(goal <= {GOAL_MS:.0f} ms: {verdict})"
    )
    print(
        f"  input reads alone, one connection     {reads_ms:8.1f} ms  "
        f"({reads_ms / total_ms:.0%} of run_checks)"
    )
    print(
        f"  evaluate, all checks                  {evaluate_total:8.1f} ms  "
        f"({evaluate_total / total_ms:.0%})"
    )
    print(f"  the rest (connections, lifecycle write){rest_ms:8.1f} ms  ({rest_ms / total_ms:.0%})")
    print(f"ratio run_checks / input reads          {total_ms / reads_ms:8.2f}")


if __name__ == "__main__":
    main()
