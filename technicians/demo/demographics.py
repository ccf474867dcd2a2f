"""Self-reported sex and race/ethnicity for the demo people, with realistic non-disclosure and the
planted proxy path a bias audit must find (see README.md, section 2). Pure numpy/pandas.

Demographics are drawn from their own random stream *after* the simulation, conditional on each
person's ``commute_miles``; nothing else in the generated company changes with them. The generator
never uses a protected characteristic to decide anything: the only link to outcomes is the proxy
path below, exactly as in real data where a neutral-looking feature stands in for a group.

PROXY PATH: people in ``PROXY_GROUP`` are more likely to live far from the depots (modelled as a
tilt of the group's odds by ``PROXY_STRENGTH`` per unit of log commute). ``commute_miles`` is a
planted driver of leaving early (quality of hire, −0.03 per mile) and of voluntary leaving
(+0.012 per mile), so a model that uses commute rates ``PROXY_GROUP`` less favourably although
group membership itself has no effect.
"""

from __future__ import annotations

import numpy as np

# EEO-1 race/ethnicity shares of the demo's field workforce (installation, maintenance and repair
# occupations in the US: mostly White and Hispanic/Latino; two categories are under 2 %).
RACE_SHARES: dict[str, float] = {
    "white": 0.585,
    "hispanic_latino": 0.22,
    "black": 0.105,
    "asian": 0.05,
    "two_or_more": 0.022,
    "american_indian_alaska": 0.012,
    "native_hawaiian_pacific": 0.006,
}
FEMALE_SHARE = 0.07  # field technicians are overwhelmingly men
SEX_NOT_DISCLOSED = 0.04  # realistic self-identification non-response
RACE_NOT_DISCLOSED = 0.09

PROXY_GROUP = "hispanic_latino"
PROXY_FEATURE = "commute_miles"
PROXY_STRENGTH = 2.2  # log-odds of PROXY_GROUP per unit of log(commute / 13 miles)
PROXY_CENTER_MILES = 13.0


def draw_demographics(rng: np.random.Generator, commute_miles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sex, race_ethnicity) arrays of EEO-1 codes for people with these commutes."""
    commute = np.nan_to_num(np.asarray(commute_miles, dtype=float), nan=PROXY_CENTER_MILES)
    n = len(commute)
    sex = np.where(rng.random(n) < FEMALE_SHARE, "female", "male").astype(object)
    sex[rng.random(n) < SEX_NOT_DISCLOSED] = "not_disclosed"

    groups = np.array(list(RACE_SHARES), dtype=object)
    base = np.array(list(RACE_SHARES.values()))
    tilt = np.where(
        groups == PROXY_GROUP, PROXY_STRENGTH * np.log(np.maximum(commute, 1.0) / PROXY_CENTER_MILES)[:, None], 0.0
    )
    weights = base[None, :] * np.exp(tilt)
    weights /= weights.sum(axis=1, keepdims=True)
    # inverse-CDF draw per row (vectorised categorical sampling)
    u = rng.random(n)[:, None]
    race = groups[np.minimum((u > np.cumsum(weights, axis=1)).sum(axis=1), len(groups) - 1)]
    race[rng.random(n) < RACE_NOT_DISCLOSED] = "not_disclosed"
    return sex, race
