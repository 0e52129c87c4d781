"""A bounded sample of the random campaign (tests/campaign.py): invariants at every action, and
liveness — with work in the system and a worker in each pool, some request completes within a
bounded simulated time. ``benchmarks/soak.py`` runs 10,000 of these."""
from campaign import run_scenario, scenario
from hypothesis import given, settings
from hypothesis import strategies as st


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_random_runs_keep_every_invariant_and_make_progress(seed):
    run_scenario(scenario(seed))
