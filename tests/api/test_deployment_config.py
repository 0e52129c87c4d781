"""``DeploymentConfig``: one typed record of a deployment, checked by one rule table, read from and
written to the dict ``Plan.config`` gives. Errors name the field."""
import dataclasses

import numpy as np
import pytest

from orbits_widget import DeploymentConfig
from orbits_widget.api.deployment import FIELDS, MAX_WORKERS

GOOD = {"profile": "nemotron-340b-1p2d", "n_prefill": 2, "n_decode": 3, "tau": 0.5, "omega": 0.3,
        "policy": "adaptive", "planner": True, "workload": {"kind": "paper", "concurrency": 96}}


def cfg(**kw):
    return dict(GOOD, **kw)


def test_from_dict_and_as_dict_round_trip():
    c = DeploymentConfig.from_dict(GOOD)
    assert FIELDS == tuple(GOOD) and c.as_dict() == GOOD
    assert DeploymentConfig.from_dict(c.as_dict()) == c == DeploymentConfig(**GOOD)
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.n_prefill = 4
    # the record keeps its own workload dict: editing the given one or the returned one changes nothing
    given = cfg(workload={"kind": "rate", "rate": 2.0})
    c = DeploymentConfig.from_dict(given)
    given["workload"]["rate"] = 9.0
    c.as_dict()["workload"]["rate"] = 9.0
    assert c.workload == {"kind": "rate", "rate": 2.0}
    assert hash(c) == hash(DeploymentConfig.from_dict(cfg(workload=None)))     # the workload is not hashed


def test_a_missing_key_is_named():
    given = {k: v for k, v in GOOD.items() if k != "tau"}
    with pytest.raises(ValueError, match=r"^cfg: needs exactly the keys .*; missing \['tau'\], unknown \[\]$"):
        DeploymentConfig.from_dict(given)


def test_an_unknown_key_is_named():
    with pytest.raises(ValueError, match=r"^cfg: needs exactly the keys .*; missing \[\], unknown \['seed'\]$"):
        DeploymentConfig.from_dict(cfg(seed=3))
    with pytest.raises(ValueError, match=r"^cfg: must be a dict with the keys \['profile', .*got list"):
        DeploymentConfig.from_dict([("profile", "x")])


@pytest.mark.parametrize(("change", "match"), [
    ({"n_prefill": 65}, r"^cfg\['n_prefill'\]: must be an integer in \[0, 64\], got 65$"),
    ({"n_decode": 1.5}, r"^cfg\['n_decode'\]: must be an integer in \[0, 64\], got 1.5$"),
    ({"n_decode": True}, r"^cfg\['n_decode'\]: must be an integer"),
    ({"tau": -0.1}, r"^cfg\['tau'\]: must be a finite number in \[0.0, 1000000.0\], got -0.1$"),
    ({"omega": float("inf")}, r"^cfg\['omega'\]: must be a finite number"),
    ({"policy": "greedy"}, r"^cfg\['policy'\]: must be 'static' or 'adaptive', got 'greedy'$"),
    ({"planner": 1}, r"^cfg\['planner'\]: must be True or False, got 1$"),
    ({"profile": 7}, r"^cfg\['profile'\]: must be a profile's name, got 7$"),
    ({"workload": "paper"}, r"^cfg\['workload'\]: must be None or a workload dict, got 'paper'$"),
])
def test_an_out_of_range_value_is_named(change, match):
    with pytest.raises(ValueError, match=match):
        DeploymentConfig.from_dict(cfg(**change))


def test_the_pools_are_checked_against_the_callers_max_workers():
    assert DeploymentConfig.from_dict(cfg(n_prefill=8), max_workers=8).n_prefill == 8
    with pytest.raises(ValueError, match=r"^cfg\['n_prefill'\]: must be an integer in \[0, 8\], got 9$"):
        DeploymentConfig.from_dict(cfg(n_prefill=9), max_workers=8)
    with pytest.raises(ValueError, match=rf"^max_workers: must be an integer in \[1, {MAX_WORKERS}\], got 0$"):
        DeploymentConfig.from_dict(GOOD, max_workers=0)


def test_built_directly_it_is_checked_too_with_the_field_names():
    with pytest.raises(ValueError, match=r"^n_decode: must be an integer in \[0, 64\], got -1$"):
        DeploymentConfig(**cfg(n_decode=-1))
    with pytest.raises(ValueError, match=r"^policy: must be 'static' or 'adaptive'"):
        DeploymentConfig(**cfg(policy="Static"))


def test_numpy_scalars_of_a_dataframe_row_are_taken_as_python_values():
    c = DeploymentConfig.from_dict(cfg(n_prefill=np.int64(2), tau=np.float32(0.5), planner=np.bool_(True),
                                       policy=np.str_("static")))
    assert (c.n_prefill, c.tau, c.planner, c.policy) == (2, 0.5, True, "static")
    assert [type(v) for v in (c.n_prefill, c.tau, c.planner, c.policy)] == [int, float, bool, str]
