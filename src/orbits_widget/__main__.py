"""``python -m orbits_widget reproduce --out DIR [--profile NAME ...] [--seeds N]``,
``python -m orbits_widget explain [--out DIR] [--hypothesis NAME ...]`` (the hypothesis bench) and
``python -m orbits_widget plan [--profile P] (--trace FILE | --paper | --rate R) --gpus N --ttft-p99-ms X
--itl-p99-ms Y --out DIR`` and ``python -m orbits_widget record [--mode M] [--adaptive] [--seconds S] --out
run.html`` (or ``--demo``); bad arguments exit 2 naming the option.

Installed, the same commands are ``orbits-widget reproduce|explain|plan|record ...``, and
``orbits-widget parity|bench|acceptance|workload ...`` run ``python -m orbits_widget.parity`` (and the
others) with the rest of the line."""
from __future__ import annotations

import argparse
import importlib
import sys

from . import profiles as _profiles

# commands with their own module and parser (each also runs as ``python -m orbits_widget.NAME``): the rest
# of the command line is theirs, so they are dispatched before this parser sees it
DELEGATED = {
    "parity": ("orbits_widget.paper.parity", "our replay against Dynamo's own offline replay (the parity tables)"),
    "bench": ("orbits_widget.paper.bench", "the engine's speed and memory figures (JSON with --json)"),
    "acceptance": ("orbits_widget.paper.acceptance", "the knee and the adaptive gain of every profile, as Markdown"),
    "workload": ("orbits_widget.workload.__main__", "write a Mooncake trace of the generated families, of any size"),
}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in DELEGATED:
        return importlib.import_module(DELEGATED[argv[0]][0]).main(argv[1:]) or 0
    ap = argparse.ArgumentParser(
        prog="python -m orbits_widget",
        description="Reproduce the paper's results, explain its adaptive gain, plan deployments and record runs, "
                    "headlessly.")
    sub = ap.add_subparsers(dest="command", required=True)
    rp = sub.add_parser("reproduce", help="write the tables of notebooks/02_paper_figures.ipynb as CSV + summary.md")
    rp.add_argument("--out", required=True, help="output directory (created if missing)")
    rp.add_argument("--profile", action="append", metavar="NAME",
                    help=f"a profile to include (repeatable; default all: {', '.join(_profiles.names())})")
    rp.add_argument("--seeds", type=int, default=3, help="seeds per point, 1-20 (default 3)")
    rp.add_argument("--no-progress", action="store_true", help="no progress bars")
    add_explain_parser(sub)
    add_plan_parser(sub)
    add_record_parser(sub)
    for name, (_module, text) in DELEGATED.items():
        sub.add_parser(name, help=f"{text}; its options: {name} --help")
    a = ap.parse_args(argv)
    if a.command == "explain":
        return run_explain(ap, a)
    if a.command == "plan":
        return run_plan(ap, a)
    if a.command == "record":
        return run_record(ap, a)
    bad = sorted(set(a.profile or ()) - set(_profiles.names()))
    if bad:
        ap.error(f"--profile: unknown {', '.join(bad)}; allowed: {', '.join(_profiles.names())}")
    if not 1 <= a.seeds <= 20:
        ap.error(f"--seeds: must be an integer in [1, 20], got {a.seeds}")
    from .paper.reproduce import write
    try:
        paths = write(a.out, profiles=a.profile, seeds=a.seeds, progress=False if a.no_progress else True)
    except OSError as e:
        print(f"python -m orbits_widget: error: --out: cannot write {a.out!r}: {e.strerror}", file=sys.stderr)
        return 2
    for p in paths:
        print(p)
    return 0


def add_explain_parser(sub):
    from .hypotheses import HYPOTHESES
    ep = sub.add_parser("explain", help="the hypothesis bench: every candidate mechanism for the paper's adaptive "
                                        "gain against the paper's observations; prints the scorecard, writes "
                                        "hypotheses.md and hypotheses.json with --out")
    ep.add_argument("--out", help="write hypotheses.md there, and hypotheses.json beside it (or at --json)")
    ep.add_argument("--json", help="where to write the JSON (default: DIR/hypotheses.json)")
    ep.add_argument("--hypothesis", action="append", metavar="NAME",
                    help=f"a row to evaluate (repeatable; default all: {', '.join(HYPOTHESES)})")
    ep.add_argument("--seeds", type=int, default=3, help="seeds 0 .. N-1 per point, 1-20 (default 3)")
    ep.add_argument("--workers", type=int, default=2, help="processes, 1-64 (default 2)")
    ep.add_argument("--no-progress", action="store_true", help="no progress bars")


def run_explain(ap, a) -> int:
    from .hypotheses import HYPOTHESES
    from .hypotheses.report import run, text
    bad = sorted(set(a.hypothesis or ()) - set(HYPOTHESES))
    if bad:
        ap.error(f"--hypothesis: unknown {', '.join(bad)}; allowed: {', '.join(HYPOTHESES)}")
    if not 1 <= a.seeds <= 20:
        ap.error(f"--seeds: must be an integer in [1, 20], got {a.seeds}")
    if not 1 <= a.workers <= 64:
        ap.error(f"--workers: must be an integer in [1, 64], got {a.workers}")
    if a.json and not a.out:
        ap.error("--json: needs --out")
    try:
        card, paths = run(a.out, a.hypothesis, seeds=tuple(range(a.seeds)), workers=a.workers,
                          progress=False if a.no_progress else None, json_path=a.json)
    except OSError as e:
        print(f"python -m orbits_widget: error: --out: cannot write {a.out!r}: {e.strerror}", file=sys.stderr)
        return 2
    print(text(card))
    for p in paths:
        print(p)
    return 0


# the fields ``plan`` names in its errors, and the options they come from
PLAN_OPTIONS = {"gpus": "--gpus", "sla['ttft_p99_ms']": "--ttft-p99-ms", "sla['itl_p99_ms']": "--itl-p99-ms",
                "loads": "--loads", "seconds": "--seconds", "warmup": "--warmup", "seeds": "--seeds",
                "profile": "--profile", "workload['rate']": "--rate", "trace": "--trace", "policies": "--policies",
                "planner": "--planner"}


def add_plan_parser(sub):
    pp = sub.add_parser("plan", help="search the prefill/decode splits of a GPU budget x router settings x policy "
                                     "for a workload and an SLA; write plan.csv, runs.csv, frontier.svg, summary.md")
    pp.add_argument("--profile", default="nemotron-340b-1p2d", metavar="NAME",
                    help="the deployment's profile (default nemotron-340b-1p2d; one of "
                         f"{', '.join(_profiles.names())})")
    wl = pp.add_mutually_exclusive_group(required=True)
    wl.add_argument("--trace", metavar="FILE", help="a Mooncake JSONL trace, replayed open loop at its timestamps")
    wl.add_argument("--paper", action="store_true", help="the paper's workload, closed loop over --loads clients")
    wl.add_argument("--rate", type=float, metavar="R", help="the paper's prompts, open-loop Poisson at R req/s")
    pp.add_argument("--gpus", type=int, required=True, help="GPU budget (whole workers of the profile's TP size)")
    pp.add_argument("--ttft-p99-ms", type=float, metavar="X", help="SLA: TTFT p99 at most X ms")
    pp.add_argument("--itl-p99-ms", type=float, metavar="Y", help="SLA: ITL p99 at most Y ms")
    pp.add_argument("--out", required=True, metavar="DIR", help="output directory (created if missing)")
    pp.add_argument("--loads", metavar="L1,L2,...", help="concurrencies (--paper, default 8,...,256) or arrival-rate "
                                                         "scales (--trace, --rate; default 1)")
    pp.add_argument("--policies", default="static,adaptive", help="static, adaptive or both (default both)")
    pp.add_argument("--planner", choices=("off", "on", "both"), default="off", help="search with the Planner")
    pp.add_argument("--seconds", type=float, default=120.0, help="measured simulated seconds per run (default 120)")
    pp.add_argument("--warmup", type=float, default=30.0, help="unmeasured seconds before (default 30)")
    pp.add_argument("--seeds", type=int, default=1, help="seeds per run, 1-20 (default 1)")
    pp.add_argument("--workers", type=int, default=1, help="processes to search with (default 1)")
    pp.add_argument("--no-progress", action="store_true", help="no progress bar")


RECORD_OPTIONS = {"seconds": "--seconds", "speed": "--speed", "seed": "--seed"}


def _option_error(ap, msg, options):
    """Exit 2 with ``msg``, naming the option its field (the text before the colon) came from."""
    field = msg.split(":", 1)[0]
    ap.error(f"{options[field]}: {msg.split(':', 1)[1].strip()}" if field in options else msg)


def _check_profile(ap, name):
    if name not in _profiles.names():
        ap.error(f"--profile: unknown {name!r}; allowed: {', '.join(_profiles.names())}")


def run_plan(ap, a) -> int:
    _check_profile(ap, a.profile)
    if a.ttft_p99_ms is None and a.itl_p99_ms is None:
        ap.error("--ttft-p99-ms / --itl-p99-ms: give at least one SLA target")
    if not 1 <= a.seeds <= 20:
        ap.error(f"--seeds: must be an integer in [1, 20], got {a.seeds}")
    if not 1 <= a.workers <= 256:
        ap.error(f"--workers: must be an integer in [1, 256], got {a.workers}")
    loads = None
    if a.loads is not None:
        try:
            loads = [float(x) if (a.trace or a.rate is not None) else int(x) for x in a.loads.split(",")]
        except ValueError:
            ap.error(f"--loads: comma-separated {'numbers' if a.trace or a.rate is not None else 'integers'}, "
                     f"got {a.loads!r}")
    from .planning import plan, report
    from .workload.traces import load_trace
    if a.trace:
        try:
            workload = load_trace(a.trace)
        except OSError as e:
            ap.error(f"--trace: cannot read {a.trace!r}: {e.strerror}")
        except ValueError as e:
            ap.error(f"--trace: {e}")
    elif a.rate is not None:
        workload = {"rate": a.rate}
    else:
        workload = "paper"
    sla = {k: v for k, v in (("ttft_p99_ms", a.ttft_p99_ms), ("itl_p99_ms", a.itl_p99_ms)) if v is not None}
    policies = [p.strip() for p in a.policies.split(",")]
    planner = {"off": (False,), "on": (True,), "both": (False, True)}[a.planner]
    executor = None
    try:
        if a.workers > 1:
            from concurrent.futures import ProcessPoolExecutor
            executor = ProcessPoolExecutor(a.workers)
        result = plan(workload, a.gpus, sla, profile=a.profile, policies=policies, loads=loads, planner=planner,
                      seeds=range(a.seeds), seconds=a.seconds, warmup=a.warmup, executor=executor,
                      progress=False if a.no_progress else True)
    except ValueError as e:
        _option_error(ap, str(e), PLAN_OPTIONS)
    finally:
        if executor is not None:
            executor.shutdown()
    try:
        paths = report.write(result, a.out)
    except OSError as e:
        print(f"python -m orbits_widget: error: --out: cannot write {a.out!r}: {e.strerror}", file=sys.stderr)
        return 2
    for p in paths:
        print(p)
    print(result.verdict)
    return 0


def add_record_parser(sub):
    rp = sub.add_parser("record", help="record a run of the widget and write it as one standalone HTML file that "
                                       "plays in any browser, no kernel, no network")
    rp.add_argument("--out", required=True, metavar="FILE", help="the HTML file to write")
    rp.add_argument("--profile", default="nemotron-340b-1p2d", metavar="NAME",
                    help="the deployment's profile (default nemotron-340b-1p2d)")
    rp.add_argument("--mode", default="saturation", help="idle, normal, busy or saturation (default saturation)")
    rp.add_argument("--adaptive", action="store_true", help="the stage shows the adaptive twin")
    rp.add_argument("--planner", action="store_true", help="the Planner scales the pools")
    rp.add_argument("--seconds", type=float, default=120.0, help="simulated seconds to record (default 120)")
    rp.add_argument("--speed", type=float, default=None,
                    help="simulated seconds per second of playback (default 4; 8 with --demo)")
    rp.add_argument("--seed", type=int, default=0, help="the simulation's seed (default 0)")
    rp.add_argument("--demo", action="store_true", help="record the Auto-demo (static, adaptive, Planner) to its end "
                                                        "instead (--mode, --adaptive, --planner, --seconds ignored)")
    rp.add_argument("--title", default=None, help="the page's title")


def run_record(ap, a) -> int:
    from .widget import OrbitsWidget
    from .widget._schema import MODES
    _check_profile(ap, a.profile)
    if a.mode not in MODES:
        ap.error(f"--mode: must be one of {', '.join(MODES)}, got {a.mode!r}")
    w = None
    try:
        w = OrbitsWidget(profile=a.profile, seed=a.seed, autoplay=False, mode=a.mode, planner=a.planner, chart=False)
        w.adaptive = a.adaptive
        if a.demo:
            w.record_demo(speed=8.0 if a.speed is None else a.speed)
        else:
            w.record(a.seconds, speed=a.speed)
        path = w.save_html(a.out, title=a.title)
    except ValueError as e:
        _option_error(ap, str(e), RECORD_OPTIONS)
    except OSError as e:
        print(f"python -m orbits_widget: error: --out: cannot write {a.out!r}: {e.strerror}", file=sys.stderr)
        return 2
    finally:
        if w is not None:
            w.close()
    info = w.recording
    print(path)
    print(f"{info['frames']:,} frames, {info['t1'] - info['t0']:.1f} simulated s at {info['speed']:g}x, "
          f"{info['bytes']:,} bytes recorded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
