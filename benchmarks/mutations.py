"""Do the tests notice? One-line breaks of core mechanisms, each applied to a scratch copy of the
repository, and the tests that should catch it run there.

    python benchmarks/mutations.py [--only ID ...] [--out benchmarks/mutations.json [--merge]]

Prints one line per break (killed: a test failed or timed out; survived: every test passed) and a
JSON summary with the kill rate. The bit-identical reference test (tests/reference) is left out on
purpose: it would catch every break by comparing numbers, and the point is whether a test with an
independent expectation does. Each break recompiles the kernel (the numba cache is keyed by the
source), so a full run takes about a minute per break and job on 2 cores. ``--only ... --merge``
replaces just those breaks' rows in ``--out`` and keeps the others.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from _report import emit  # beside this script: benchmarks/ is on sys.path when it runs

ROOT = pathlib.Path(__file__).resolve().parents[1]
PKG = "src/orbits_widget/"
ENGINE_TESTS = ["tests/kernel", "tests/control", "tests/profiles", "tests/workload", "tests/api/test_simulation.py",
                "tests/api/test_twins.py"]
WIDGET_TESTS = ["tests/widget"]
PLAN_TESTS = ["tests/planning"]
HYPOTHESES_TESTS = ["tests/hypotheses"]
PAPER_TESTS = ["tests/paper"]            # test_reproduce compares with notebooks/02 (copied below)
# api/: each module to the tests that call it (decompose is called by test_sweep_decompose only)
API_TESTS = {"api/decompose.py": ["tests/api/test_sweep_decompose.py"],
             "api/sweep.py": ["tests/api/test_sweep_decompose.py", "tests/api/test_scale_out.py",
                              "tests/api/test_simulation.py"],
             "api/twins.py": ["tests/api/test_twins.py", "tests/api/test_sweep_decompose.py"]}
COPIED = ("src", "tests", "js", "docs", "benchmarks", "notebooks", "pyproject.toml", "package.json",
          "package-lock.json", "eslint.config.mjs")

# (id, file, the exact text to break (must occur once), its replacement, what the break means)
MUTATIONS = [
    ("detector-consecutive", "kernel/detector.py",
     "        scalars_i[SI_CANDIDATE_POLLS] = 0\n        scalars_i[SI_CANDIDATE] = cur\n",
     "        scalars_i[SI_CANDIDATE] = cur\n",
     "a poll that agrees with the current regime no longer resets the hysteresis count"),
    ("detector-ewma-alpha", "kernel/detector.py",
     "params[P_EWMA_ALPHA] * med + (1.0 - params[P_EWMA_ALPHA]) * scalars_f[SF_EWMA]",
     "(1.0 - params[P_EWMA_ALPHA]) * med + params[P_EWMA_ALPHA] * scalars_f[SF_EWMA]",
     "the EWMA weighs the old signal by alpha (0.3 becomes 0.7 on the new sample)"),
    ("detector-hysteresis-k", "kernel/detector.py",
     "if scalars_i[SI_CANDIDATE_POLLS] >= iparams[I_HYSTERESIS]:",
     "if scalars_i[SI_CANDIDATE_POLLS] > iparams[I_HYSTERESIS]:",
     "the regime switches after k + 1 agreeing polls"),
    ("planner-cooldown", "control/planner.py",
     "        return last is None or last[1] < 0 or self._ticks - last[0] >= self.cfg.cooldown",
     "        return True",
     "the Planner shrinks a pool right after growing it"),
    ("planner-budget", "control/planner.py",
     "n[\"prefill\"] + n[\"decode\"] < cfg.budget_workers",
     "True",
     "the Planner ignores its GPU budget"),
    ("planner-threshold", "control/planner.py",
     "if (util[pool] > cfg.scale_up_at and",
     "if (util[pool] < cfg.scale_up_at and",
     "the Planner grows the pool that is not loaded"),
    ("decode-leg-omega", "kernel/router.py",
     "route_costs[j] = omega * (nblk - ov) + booked",
     "route_costs[j] = (nblk - ov) + booked",
     "the decode leg ignores omega"),
    ("prefill-leg-cache", "kernel/router.py",
     "                ov = prefill_hits(prefill_cache, j, requests_i, slot, iparams)",
     "                ov = 0",
     "the prefill leg ignores the prefix cache"),
    ("router-argmin", "kernel/router.py",
     "        if greedy:\n            # argmin; count the ties",
     "        if False:\n            # argmin; count the ties",
     "tau = 0 no longer picks the cheapest worker"),
    ("poa-pair-max", "kernel/poa.py",
     "    swap = cost[0, 1] + cost[1, 0] < cost[0, 0] + cost[1, 1]",
     "    swap = cost[0, 1] + cost[1, 0] > cost[0, 0] + cost[1, 1]",
     "the inlined 2 x 2 PoA-hat matching takes the max-cost matching"),
    ("trace-sub-blocks", "workload/traces.py",
     "    h = np.int64(hashes[offset + ((b + 1) * block_size - 1) // trace_block_size])",
     "    h = np.int64(hashes[offset + (b * block_size) // trace_block_size])",
     "a block of ours is keyed by the first small trace block it covers (merging sub-hashes)"),
    ("vllm-isl-minus-one", "kernel/request_blocks.py",
     "    cap = ((requests_i[RI_ISL, slot] - 1) // bs) * bs",
     "    cap = requests_i[RI_ISL, slot]",
     "the whole prompt may come from the cache (vLLM keeps the last token to compute)"),
    ("decode-kv-admission", "kernel/decode.py",
     "        if decode_i[DWI_KV_RESERVED, w] + need > cap:",
     "        if False:",
     "decode admission ignores the KV capacity"),
    ("eviction-head-first", "kernel/request_blocks.py",
     "    for k in range(requests_i[RI_N_KEYS, slot] - 1, -1, -1):",
     "    for k in range(requests_i[RI_N_KEYS, slot]):",
     "a prompt's blocks enter the cache head first, so a full cache evicts its prefix first"),
    ("tie-no-tree-size", "kernel/router.py",
     "        prefer_smaller_tree(route_costs, route_eligible, route_overlap, W, prefill_cache_meta)",
     "        pass",
     "exact ties ignore the tied workers' cached-tree sizes"),
    ("decode-kv-no-sharing", "kernel/decode_kv.py",
     "    return shareable_blocks(iparams, requests_i, s)\n",
     "    return 0\n",
     "growing decode KV holds a shared prompt block once per request, not once per worker"),
    ("decode-kv-fifo-victim", "kernel/decode_kv.py",
     "completion_heap[1, w, i]] > requests_i[RI_ADMIT_SEQ",
     "completion_heap[1, w, i]] < requests_i[RI_ADMIT_SEQ",
     "the earliest admitted request is preempted, not the latest"),
    ("decode-kv-restart", "kernel/decode.py",
     "        first = p - gen\n",
     "        first = p\n",
     "a preempted request starts its output again instead of resuming it"),
    ("tie-order-wake", "kernel/loop.py",
     "            if prefill_i[PWI_PHASE, j] == WAKING and prefill_f[PWF_PASS_END, j] < tn:",
     "            if prefill_i[PWI_PHASE, j] == WAKING and prefill_f[PWF_PASS_END, j] <= tn:",
     "an idle prefill worker's wake wins ties against arrivals at the same instant"),
    ("think-time", "kernel/loop.py",
     "% ring] = tn + think",
     "% ring] = tn",
     "thinking clients send again at once"),
    ("frontend-overhead", "kernel/frontend.py",
     "    requests_f[RF_ROUTED, slot] = t + params[P_FRONTEND]",
     "    requests_f[RF_ROUTED, slot] = t",
     "the Frontend's overhead is lost"),
    ("decode-pass-kv-term", "profiles/perf_model.py",
     "+ c[PM_DECODE_KV] * kv\n",
     "\n",
     "a decode pass no longer reads the KV it holds"),
    ("transfer-latency", "profiles/perf_model.py",
     "    return t0 + c[PM_TRANSFER_LATENCY] + tokens",
     "    return t0 + tokens",
     "a NIXL transfer has no fixed latency"),
    ("histogram-bins", "kernel/metrics.py",
     "int((m - 0.5) * (2 * H_SUB))",
     "int((m - 0.5) * H_SUB)",
     "histogram sub-bins half as many as their edges say"),
    ("drain-to-off", "kernel/pools.py",
     "            state[j] = W_DRAINING",
     "            state[j] = W_OFF",
     "a removed worker switches off at once instead of draining its requests"),
    ("kvbm-disk-filter", "kernel/kvbm.py",
     "(g >= 2 and frequency(ft, t, params[base + DECAY]) < 2)",
     "(g >= 9 and frequency(ft, t, params[base + DECAY]) < 2)",
     "KVBM offloads to SSD and network without the frequency >= 2 filter"),
    ("frames-twins-swapped", "widget/_assembly.py",
     '"static_ttft_p99_ms": ls["ttft_p99_ms"], "adaptive_ttft_p99_ms": la["ttft_p99_ms"],',
     '"static_ttft_p99_ms": la["ttft_p99_ms"], "adaptive_ttft_p99_ms": ls["ttft_p99_ms"],',
     "the frame carries the static and adaptive P99 swapped"),
    ("frames-max-fps", "widget/_runner.py",
     "MAX_FPS = 30.0",
     "MAX_FPS = 60.0",
     "frames go to the page at up to 60 a second"),
    ("frames-while-paused", "widget/_runner.py",
     "            if w.playing or self.dirty:",
     "            if True:",
     "frames are sent while paused and unchanged"),
    ("handoff-hold", "kernel/prefill.py",
     "    if prefill_i[PWI_HANDOFFS, w] > 0:\n        prefill_i[PWI_PHASE, w] = HANDING_OFF",
     "    if prefill_i[PWI_HANDOFFS, w] < 0:\n        prefill_i[PWI_PHASE, w] = HANDING_OFF",
     "the prefill worker moves on before the decode worker has pulled the KV"),
    ("prefill-batch-limit", "kernel/prefill.py",
     "    maxk = iparams[I_PREFILL_MAX_SEQS]",
     "    maxk = 1 << 30",
     "a prefill pass takes as many requests as a decode worker has slots"),
    ("pull-at-boundary", "kernel/router.py",
     "        t0 = next_boundary(params, decode_f, decode_i, w, t)",
     "        t0 = t",
     "the decode worker starts a pull at once instead of at its next pass boundary"),
    ("poa-prefill-queue-in-opt", "kernel/poa.py",
     "    sunk = params[P_FRONTEND] + requests_f[RF_PREFILL_END, slot] - requests_f[RF_PREFILL_START, slot]",
     "    sunk = t - requests_f[RF_ARRIVAL, slot]",
     "PoA-hat's optimum includes the prefill queue (the form before issue 11)"),
    ("detector-startup-burst", "kernel/detector.py",
     "    if n < 3:\n        return",
     "    if n < 1:\n        return",
     "the detector decides on fewer than three polls, so a start-up burst switches it"),
    ("kv-fit-in-tokens", "profiles/catalog.py",
     "        if self.kv_blocks() < need:",
     "        if self.kv_capacity() < self.prompt_tokens + self.output_tokens:",
     "the profile check counts KV in tokens, admission in whole blocks"),
    ("recording-shared-assembler", "widget/_recording.py",
     "    assembler = FrameAssembler(runner.profile.max_workers)\n",
     "    assembler = runner.assembler\n",
     "a recording continues the live frames' assembler, so what was sent before changes its bytes"),
    ("recording-frame-spacing", "widget/_recording.py",
     "    dt = speed / FPS\n",
     "    dt = 1.0 / FPS\n",
     "recorded frames are 1/30 simulated second apart whatever the speed"),
    ("recording-log-dropped", "widget/_recording.py",
     "            log += [list(e) for e in list(runner.log)[-min(new, len(runner.log)):]]\n",
     "            pass\n",
     "the mission-log lines of the run are not recorded"),
    ("recording-no-offline-player", "widget/_recording.py",
     "        publish_display_data(offline_output(",
     "        (lambda *a: None)(offline_output(",
     "a displayed widget brings no player for HTML exports"),
    ("plan-goodput-ignores-sla", "planning/result.py",
     "        goodput = thr[op]\n",
     "        goodput = max(thr)\n",
     "a configuration's goodput is its best throughput at any load, met SLA or not"),
    ("plan-pareto-ties", "planning/result.py",
     "dominated = (ge & le & strict & e[None, :]).any(axis=1)",
     "dominated = (ge & le & ~np.eye(len(g), dtype=bool) & e[None, :]).any(axis=1)",
     "equal points knock each other off the frontier (no strict improvement needed)"),
    ("plan-adaptive-default-row", "planning/search.py",
     "kw[\"regime_table\"] = dict(DEFAULT_TABLE, BELOW=(self.tau, self.omega))",
     "kw[\"regime_table\"] = dict(DEFAULT_TABLE)",
     "the adaptive policy ignores the router setting (runs Dynamo's defaults below saturation)"),
    ("plan-marginal-pools-swapped", "planning/search.py",
     "return Config(self.n_prefill + (pool == \"prefill\"), self.n_decode + (pool == \"decode\")",
     "return Config(self.n_prefill + (pool == \"decode\"), self.n_decode + (pool == \"prefill\")",
     "one more prefill worker is added to the decode pool and the other way round"),
    ("plan-winner-worst", "planning/solve.py",
     "    return (-row.goodput_per_gpu, row.ttft_p99_ms,",
     "    return (row.goodput_per_gpu, row.ttft_p99_ms,",
     "the winner is the lowest goodput per GPU that meets the SLA"),
    ("plan-bottleneck-swapped", "planning/result.py",
     "    return \"prefill\" if qp >= qd else \"decode\"",
     "    return \"decode\" if qp >= qd else \"prefill\"",
     "the bottleneck is the pool where requests do not queue"),
    # issue 20: the hypothesis bench's mechanisms and rules
    ("direct-never", "kernel/frontend.py",
     "            and (params[P_TAU] != DEFAULT_TAU or params[P_OMEGA] != DEFAULT_OMEGA))",
     "            and False)",
     "the adaptive controller's overridden requests go through the frontend after all (H1 off)"),
    ("direct-free-prefill", "kernel/decode.py",
     "            A += tok * (cached + 0.5 * tok)\n            T += tok\n",
     "            A += tok * (cached + 0.5 * tok)\n",
     "a decode worker prefills a request sent straight to it at no cost"),
    ("direct-seen-by-frontend", "kernel/decode.py",
     "            ttft_ring[2, j] = math.nan\n",
     "            ttft_ring[2, j] = t - requests_f[RF_FRONTEND, s]\n",
     "the frontend's TTFT histogram counts requests that never went through it"),
    ("handover-post-free-step", "kernel/decode.py",
     "        extra = decode_i[DWI_POSTS, w] * params[P_HANDOVER_POST]\n",
     "        extra = 0.0 * decode_i[DWI_POSTS, w] * params[P_HANDOVER_POST]\n",
     "posting NIXL reads no longer lengthens the decode step it precedes"),
    ("handover-post-free-pull", "kernel/router.py",
     "            t0 += decode_i[DWI_POSTS, w] * post",
     "            t0 += 0.0 * decode_i[DWI_POSTS, w] * post",
     "a pull starts before its reads are posted"),
    ("v090-random-ties", "kernel/router.py",
     "    if mode == DR_V090 and params[P_TAU] <= 0.0 and n_el > 1:",
     "    if mode == DR_V090 and params[P_TAU] < 0.0 and n_el > 1:",
     "v0.9.0's decode leg draws among ties instead of taking the fixed order"),
    ("v090-omega", "kernel/router.py",
     "                    route_costs[j] = booked + (nblk - depth)",
     "                    route_costs[j] = omega * (nblk - ov) + booked + (nblk - depth)",
     "v0.9.0's decode leg weighs the cached prefix by omega (its override sets the weight to 0)"),
    ("prometheus-upper-bound", "kernel/detector.py",
     "            return start + (bounds[i] - start) * (rank - before) / counts[i]",
     "            return bounds[i]",
     "histogram_quantile returns the bucket's upper bound instead of interpolating"),
    ("prometheus-client-ttft", "kernel/detector.py",
     "        v = ttft_ring[2, j]\n",
     "        v = ttft_ring[1, j]\n",
     "the Prometheus signal reads the client's TTFT (connection wait included)"),
    ("connections-ignored", "kernel/frontend.py",
     "    if conns > 0 and requests_i[RI_LOCAL_PREFILL, slot] == 0 and (",
     "    if conns < 0 and requests_i[RI_LOCAL_PREFILL, slot] == 0 and (",
     "the client sends past its connection pool"),
    ("connections-never-freed", "kernel/decode.py",
     "        scalars_i[SI_CONNECTIONS] -= 1\n",
     "        scalars_i[SI_CONNECTIONS] -= 0\n",
     "a completed request keeps its client connection"),
    ("bench-mean-not-every-seed", "hypotheses/observations.py",
     "                               all(band(TARGET_TTFT_GAIN, v) for v in rt), static_ms=s99, adaptive_ms=a99,",
     "                               band(TARGET_TTFT_GAIN, rt.mean()), static_ms=s99, adaptive_ms=a99,",
     "the TTFT gain counts when the mean of the seeds is in the band, one seed off or not"),
    ("bench-best-fit-always", "hypotheses/scorecard.py",
     "    pick = best.output_tokens if best.distance < centre.distance - TIE else centre.output_tokens",
     "    pick = best.output_tokens",
     "the calibration takes the best fit even when it is within the noise"),
    ("bench-ranking-evidence", "hypotheses/scorecard.py",
     "            -r.held, get(r.hypothesis).size, weakest_evidence(r.hypothesis), order[r.hypothesis]))]",
     "            -r.held, get(r.hypothesis).size, order[r.hypothesis]))]",
     "rows tied on observations and mechanisms are no longer ranked by evidence"),
    # issue 21: the hypotheses on the stage
    ("stage-model-not-applied", "widget/_widget.py",
     "        r.profile = profile_for(change[\"new\"], self._base_profile)\n",
     "        r.profile = r.profile\n",
     "choosing a model restarts the twins on the model they had"),
    ("stage-direct-route-missing", "widget/_assembly.py",
     "        routes = {\"request_prefill\": entered - prev[\"entered\"] - direct, \"request_direct\": direct,",
     "        routes = {\"request_prefill\": entered - prev[\"entered\"], \"request_direct\": 0,",
     "requests the controller sends straight to decode fly round the Sun to the prefill pool on the stage"),
    ("chart-ignores-model", "widget/_chart.py",
     "            self.profile = profile\n            self._prefetch = True\n",
     "            self._prefetch = True\n",
     "the chart keeps drawing the old model's curves after a switch"),
    # the page's side of the model on the stage (js/, checked by the node page tests)
    ("page-selector-silent", "../../js/view/controls.js",
     'on(this.modelSel, "change", () => { if (this.modelSel.value) save("hypothesis", this.modelSel.value); });',
     'on(this.modelSel, "change", () => {});',
     "choosing a model in the page never reaches Python"),
    ("page-prefilling-colour", "../../js/view/stage.js",
     "color: prefilling && prefilling[i] > 0 ? PREFILL_COLOR : null }));",
     "color: null }));",
     "a decode worker prefilling the controller's direct requests keeps the decode colour"),
    ("page-posting-marks", "../../js/view/stage.js",
     "const k = Math.min(POSTING_MARKS, Math.round(dc.posting[i] || 0));",
     "const k = Math.min(POSTING_MARKS, 1);",
     "each decode worker shows one read to post, whatever it holds"),
    # issue 23: mechanisms no test guarded with an independent expectation (each caught by CAUGHT_BY's test)
    ("itl-resume-from-first-token", "kernel/decode.py",
     "hist_add(latency_hist, H_ITL, t - requests_f[RF_LAST_TOKEN, s], 1.0)",
     "hist_add(latency_hist, H_ITL, t - requests_f[RF_FIRST_TOKEN, s], 1.0)",
     "a resumed request's gap counts from its first token, not its last before the preemption"),
    ("itl-preemption-time-lost", "kernel/decode_kv.py",
     "    requests_f[RF_LAST_TOKEN, s] = t\n",
     "",
     "a preemption does not stamp the request's last token time"),
    ("poa-opt-no-frontend", "kernel/poa.py",
     "sunk = params[P_FRONTEND] + requests_f[RF_PREFILL_END, slot]",
     "sunk = requests_f[RF_PREFILL_END, slot]",
     "PoA-hat's optimum leaves out the Frontend's overhead the realised TTFT holds"),
    ("poa-realised-from-prefill", "kernel/poa.py",
     "    real = t - requests_f[RF_ARRIVAL, s]",
     "    real = t - requests_f[RF_PREFILL_START, s]",
     "PoA-hat's realised side starts at the prefill, leaving out the Frontend and the prefill queue"),
    ("plan-pareto-per-deployment", "planning/solve.py",
     "out[\"pareto\"] = pareto(out.goodput_per_gpu, out.ttft_p99_ms, out.meets_sla)",
     "out[\"pareto\"] = pareto(out.goodput_rps, out.ttft_p99_ms, out.meets_sla)",
     "the frontier ranks goodput per deployment, not per GPU"),
    ("planner-shrink-at-once", "control/planner.py",
     "                    action = (pool, -1)",
     "                    action = (pool, 1 - n[pool])",
     "the Planner shrinks a pool to one worker in one tick instead of one worker a tick"),
    ("kvbm-g1-hit-not-promoted", "kernel/kvbm.py",
     "            kvc.lru_promote(tab, meta, w, i)\n            continue",
     "            continue",
     "a G1 hit leaves the block where it was in the LRU order, so it is evicted as if unused"),
    # issue 22: runs under KVBM tiers
    ("kvbm-runs-read-as-keys", "kernel/request_blocks.py",
     "    if iparams[I_KVBM] == 1 and per > 0:",
     "    if False:",
     "the prefill router reads a request's run keys against the per-block caches KVBM tiers keep"),
    ("kvbm-runs-spelled-backwards", "kernel/prefix_cache.py",
     "    return -2 - (h * per + q)",
     "    return -2 - (h * per + per - 1 - q)",
     "a run's blocks are spelled out as the wrong sub-blocks of its trace block"),
    # issue 22: the kernel without reference counting, the O(1) blocks_at, split ids counted by id
    ("kvbm-keys-leaked", "kernel/prefill.py",
     "@njit(cache=True, _nrt=True)",
     "@njit(cache=True, inline=\"always\")",
     "KVBM's per-block keys are allocated inside the kernel's reference-count-free code, never freed"),
    ("blocks-at-keeps-preempted", "kernel/decode_kv.py",
     "    held_meta[w, HM_RUN_FLOOR] += sign * (a // bs)",
     "    held_meta[w, HM_RUN_FLOOR] += (sign > 0) * (a // bs)",
     "a request that stops running leaves its blocks in a sum behind blocks_at"),
    ("split-dense-skips-full-blocks", "kernel/trace_runs.py",
     "            elif b > 0 and b != c:",
     "            elif b > 0 and b != c and c < per:",
     "an id that is a partial last block on one line and a full block on another is not found split"),
    # issue 22: blocks parsed while others are converted; a trace's block size in one pass
    ("parse-buffer-in-flight", "workload/traces.py",
     "    bufs = [bytearray(_READ_BLOCK) for _ in range(_PARSERS + 1)]",
     "    bufs = [bytearray(_READ_BLOCK) for _ in range(_PARSERS)]",
     "the file is read into a buffer a parser thread is still reading"),
    ("block-size-floor", "workload/traces.py",
     "        c = -(-isl[i] // n)",
     "        c = isl[i] // n",
     "a trace's least block size is taken with floor instead of ceiling division"),
    ("parse-blank-cr", "workload/traces.py",
     '_BLANK_START[[ord(c) for c in " \\t\\r\\n"]] = True',
     '_BLANK_START[[ord(c) for c in " \\t\\n"]] = True',
     "a blank line of a CR alone is not seen, so a CRLF file with one leaves the fast path"),
    ("stream-need-lines", "kernel/loop.py",
     "            if iparams[I_TRACE_MORE] == 1:",
     "            if iparams[I_TRACE_MORE] == 2:",
     "the kernel does not stop for a streamed trace's next lines: it ends the replay at the lines read so far"),
    ("stream-next-arrival", "api/replay.py",
     "            st.scalars_f[L.SF_NEXT_ARRIVAL] = arrival[line]",
     "            st.scalars_f[L.SF_NEXT_ARRIVAL] = arrival[line - 1]",
     "the arrival the kernel could not see is taken from the line before it"),
    ("stream-split-after-run", "kernel/trace_runs.py",
     "            if v & ID_SPLIT == 0 and v & ID_BLOCKS != 0 and v & ID_BLOCKS != c:\n                return -1, 0, 0",
     "            if v & ID_SPLIT == 0 and v & ID_BLOCKS != 0 and v & ID_BLOCKS != c:\n                pass",
     "a streamed replay goes on when a later line splits a hash id it already keyed as a run"),
    ("stream-block-size", "api/replay.py",
     "if self.given_tbs is None and block_size_of(self.seen, self.lo, self.hi) != self.tbs:",
     "if self.given_tbs is None and block_size_of(self.seen, self.lo, self.hi) < 0:",
     "a streamed replay keeps the block size of its first lines when later lines change the trace's"),
    ("stream-offsets", "workload/traces.py",
     "        rows[2, n + 1:n + k] += self._ids\n",
     "",
     "a streamed block's hash offsets start again from 0"),
    ("stream-sizes-settled", "api/replay.py",
     "        if self.layout != self._layout(facts._replace(lines=PROBE, distinct=PROBE)):",
     "        if False:",
     "a replay streams though its table sizes still depend on lines to come"),
]

# the one test each break of issue 23 must fail (runs instead of its package's tests: faster, and says which)
_POA = ["tests/control/test_poa.py::test_one_client_on_one_decode_worker_gives_poa_hat_one",
        "tests/control/test_poa.py::test_two_requests_at_once_the_prefill_queue_is_realised_and_opt_is_queue_free"]
_ITL = ["tests/kernel/test_decode_kv.py::test_a_resumed_request_records_one_gap_from_its_last_token_before_preemption"]
CAUGHT_BY = {
    "itl-resume-from-first-token": _ITL,
    "itl-preemption-time-lost": _ITL,
    "poa-opt-no-frontend": _POA,
    "poa-realised-from-prefill": _POA,
    "plan-pareto-per-deployment": [
        "tests/planning/test_plan.py::test_the_frontier_ranks_goodput_per_gpu_not_per_deployment"],
    "planner-shrink-at-once": [
        "tests/control/test_planner.py::test_the_planner_moves_one_worker_per_tick_even_when_more_are_wanted"],
    "kvbm-g1-hit-not-promoted": [
        "tests/kernel/test_kvbm.py::test_a_g1_hit_makes_the_block_most_recently_used_so_g1_evicts_another"],
    # js/ breaks: run with -x, the bundle check (test_bundle) fails first on any edited source; the page's own test
    "page-selector-silent": ["tests/widget/test_page.py::test_the_page_shows_the_schemas_parameters_and_cleans_up"],
    "page-prefilling-colour": [
        "tests/widget/test_page.py::test_h1_a_decode_worker_prefilling_direct_requests_takes_the_prefill_colour"],
    "page-posting-marks": ["tests/widget/test_page.py::test_h2_each_decode_worker_shows_the_reads_it_will_post"],
    # ordered first by -x, test_campaign's invariants caught these before the pool's own tests ran
    "connections-ignored": [
        "tests/kernel/test_client_connections.py::test_with_two_connections_the_third_client_waits_for_the_first_completion"],
    "connections-never-freed": [
        "tests/kernel/test_client_connections.py::test_with_two_connections_the_third_client_waits_for_the_first_completion"],
    "kvbm-runs-read-as-keys": ["tests/kernel/test_trace_runs.py::test_kvbm_tiers_replay_the_same"],
    "kvbm-runs-spelled-backwards": ["tests/kernel/test_trace_runs.py::test_a_run_spells_out_its_per_block_keys"],
    "kvbm-keys-leaked": ["tests/kernel/test_refcounting.py::test_what_the_kernel_allocates_it_frees"],
    "blocks-at-keeps-preempted": ["tests/kernel/test_decode_kv.py", "tests/kernel/test_invariants.py"],
    "split-dense-skips-full-blocks": ["tests/kernel/test_trace_runs.py::test_split_hashes_two_ways_agree"],
    "parse-buffer-in-flight": ["tests/workload/test_parse.py"],
    "block-size-floor": ["tests/workload/test_traces.py::test_the_block_size_is_its_definition"],
    "parse-blank-cr": ["tests/workload/test_parse.py::test_blank_lines_keep_the_line_numbers"],
    "stream-need-lines": ["tests/api/test_replay.py::test_lines_handed_to_the_kernel_in_pieces_replay_as_all_at_once"],
    "stream-next-arrival": ["tests/api/test_replay.py::test_a_streamed_replay_is_the_usual_one_bit_for_bit"],
    "stream-split-after-run": ["tests/api/test_replay.py::"
                               "test_an_id_split_after_it_was_keyed_as_a_run_replays_the_usual_way"],
    "stream-block-size": ["tests/api/test_replay.py::test_a_block_size_the_last_lines_change_replays_the_usual_way"],
    "stream-offsets": ["tests/workload/test_stream.py::test_a_streamed_trace_ends_as_the_parse"],
    "stream-sizes-settled": ["tests/api/test_replay.py::"
                             "test_the_default_profile_whose_sizes_grow_with_the_trace_replays_the_usual_way"],
}


def export_head(dest: pathlib.Path) -> pathlib.Path:
    """The committed tree (src, tests, pyproject.toml) of HEAD, so that edits in progress in the
    working tree do not leak into the breaks."""
    archive = subprocess.run(["git", "archive", "HEAD", *COPIED], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def apply(root: pathlib.Path, rel: str, old: str, new: str):
    path = root / PKG / rel
    text = path.read_text()
    n = text.count(old)
    if n != 1:
        raise SystemExit(f"{rel}: the text to break occurs {n} times, not once: {old!r}")
    path.write_text(text.replace(old, new))


def run_one(mid, rel, old, new, tests, timeout, base=ROOT):
    with tempfile.TemporaryDirectory(prefix=f"mut-{mid}-") as tmp:
        work = pathlib.Path(tmp)
        for name in COPIED:
            if (base / name).is_dir():
                shutil.copytree(base / name, work / name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy(base / name, work / name)
        (work / "node_modules").symlink_to(ROOT / "node_modules")     # the widget tests run node and esbuild
        if rel:
            apply(work, rel, old, new)
        env = dict(os.environ, PYTHONPATH=str(work / "src"), HYPOTHESIS_PROFILE="default")
        t0 = time.perf_counter()
        try:
            proc = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                                   *tests], cwd=work, env=env, capture_output=True, text=True,
                                  timeout=timeout)
            outcome = "survived" if proc.returncode == 0 else "killed"
            tail = proc.stdout.strip().splitlines()[-1:] if proc.stdout.strip() else []
            failed = [ln.split(" ")[1] for ln in proc.stdout.splitlines() if ln.startswith("FAILED ")]
        except subprocess.TimeoutExpired:
            outcome, tail, failed = "killed", [f"timed out after {timeout} s"], []
        return dict(id=mid, outcome=outcome, seconds=round(time.perf_counter() - t0, 1),
                    by=failed[:1], last_line=tail[0] if tail else "")


def tests_for(rel: str, mid: str = "") -> list[str]:
    """The tests that should catch break ``mid`` of ``rel``."""
    if mid in CAUGHT_BY:
        return CAUGHT_BY[mid]
    if rel in API_TESTS:
        return API_TESTS[rel]
    if rel.startswith(("widget/", "../../js/")):
        return WIDGET_TESTS
    if rel.startswith("hypotheses/"):
        return HYPOTHESES_TESTS
    if rel.startswith("paper/"):
        return PAPER_TESTS
    return PLAN_TESTS if rel.startswith("planning/") else ENGINE_TESTS


def merged(path: pathlib.Path, results: list[dict]) -> list[dict]:
    """The rows of ``path``'s summary with these breaks' rows replaced (or added, in MUTATIONS order)."""
    new = {r["id"]: r for r in results}
    old = json.loads(path.read_text())["results"] if path.exists() else []
    rows = {r["id"]: r for r in old} | new
    order = [m[0] for m in MUTATIONS]
    return sorted(rows.values(), key=lambda r: order.index(r["id"]) if r["id"] in order else len(order))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python benchmarks/mutations.py", description=__doc__.split("\n")[0])
    ap.add_argument("--only", nargs="+", metavar="ID", help="run these breaks only")
    ap.add_argument("--out", help="write the JSON summary here too")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds per break (a hang counts as killed)")
    ap.add_argument("--jobs", type=int, default=2, help="breaks tested at once (default 2)")
    ap.add_argument("--head", action="store_true", help="break the committed HEAD, not the working tree")
    ap.add_argument("--merge", action="store_true",
                    help="with --out: replace only the rows of the breaks run, keep the file's other rows")
    a = ap.parse_args(argv)
    unknown = sorted(set(a.only or ()) - {m[0] for m in MUTATIONS})
    if unknown:
        raise SystemExit(f"--only: no break named {', '.join(unknown)}")
    if a.merge and not a.out:
        raise SystemExit("--merge: needs --out")
    chosen = [m for m in MUTATIONS if not a.only or m[0] in a.only]
    base = export_head(pathlib.Path(tempfile.mkdtemp(prefix="mut-head-"))) if a.head else ROOT
    # the unbroken tree must pass in the scratch copy, or a kill would mean nothing
    with ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        sets = sorted({tuple(tests_for(m[1], m[0])) for m in chosen})
        for r in ex.map(lambda tests: run_one("baseline", "", "", "", list(tests), a.timeout, base), sets):
            if r["outcome"] != "survived":
                raise SystemExit(f"the unbroken tree fails its tests in a scratch copy: {r}")

    def one(m):
        mid, rel, old, new, what = m
        tests = tests_for(rel, mid)
        r = run_one(mid, rel, old, new, tests, a.timeout, base)
        r["what"] = what
        print(f"{r['outcome']:8s} {mid:22s} {r['seconds']:7.1f} s  {(r['by'] or [r['last_line']])[0]}", flush=True)
        return r

    with ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        results = list(ex.map(one, chosen))
    if a.merge:
        results = merged(pathlib.Path(a.out), results)
    killed = sum(r["outcome"] == "killed" for r in results)
    summary = dict(breaks=len(results), killed=killed, kill_rate=round(killed / max(1, len(results)), 3),
                   survived=[r["id"] for r in results if r["outcome"] == "survived"], results=results)
    emit(summary, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
