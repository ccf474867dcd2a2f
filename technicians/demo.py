"""Deterministic demo company generator (pure numpy/pandas — no Django imports).

``demo_generate(technicians=3000, months=36, seed=42, as_of=date(...))`` returns a :class:`DemoData`
of plain DataFrames (regions, districts, technicians, snapshots, candidates, demand) that
``technicians.demo_load.demo_data_load`` writes to the database. Same arguments → identical frames.

The company: 4 regions, 20 metro districts (hot / mild / cold climate), five trades. The
workforce is simulated month by month over the window that ends at the ``as_of`` month: an initial
tenured workforce hired before the window, plus hires every month that fill each district towards
a target headcount growing ~6 %/year, so ``technicians`` is roughly the active headcount at ``as_of``.

PLANTED CAUSAL DRIVERS (what a correct model should discover; see docs/demo-data.md)
===================================================================================
Leaving is decided every month t by a logistic hazard on the technician's snapshot of month t
(and static fields) only — never on anything later. Voluntary monthly hazard, logit scale
(coefficients in ``VOLUNTARY``):

    z_vol = -5.2
          + 0.22  * max(overtime_hours - 5, 0)          # weekly overtime: strongest driver
          + 7.0   * max(1 - pay_vs_district_median, 0)  # underpaid vs the district median that month
          - 2.0   * max(pay_vs_district_median - 1, 0)  #   (being above it helps a little)
          + tenure term: +0.7 (< 3 months), +0.55 (< 6), +0.35 (< 12),
                         then -0.12 per year after the first, down to -0.9
          + 0.018 * (drive_time_minutes - 70)           # long daily drives
          + 0.012 * (commute_miles - 15)                # long commute to the depot
          + 1.1   * (4.4 - csat)                        # low customer satisfaction
          + 0.35  * [training_hours == 0]               # no training that month
          - 0.10  * certifications
          + 0.04  * attributes["van_age_years"]         # small planted attribute effect
          - quality_of_hire * (1.0 if tenure < 3 months, 0.4 if < 12 months, else 0)
          + frailty ~ N(0, 0.35)                        # unobserved person effect

``pay_vs_district_median`` = the technician's pay that month / the median pay of all technicians
active in the same district that month (all trades). Involuntary monthly hazard (low performance,
failed probation):

    z_inv = -5.4 - 1.6 * (performance - 3) + [tenure < 4 months] * (0.6 - 0.04 * (assessment - 70))
    performance = 3.1 + 5 (first_time_fix_rate - 0.8) + (csat - 4.4) - 4 (callbacks / jobs - 0.07) + N(0, .25)

Quality of hire (person-level, about centred on 0; it enters the early-tenure hazard above, so it
decides who is still employed 90 days after hire):

    q = source effect (referral +0.7, trade_school +0.2, career_site +0.1, job_board 0,
                       social -0.2, agency -0.7)
      + 0.08 * min(years_experience, 10) - 0.4
      + 0.03 * (assessment_score - 70)
      - 0.03 * (commute_miles - 15)
      + 0.2 * certifications - 0.3
      + 4.0 * (offered_pay_rate / district median pay - 1)

Snapshot metrics evolve per person: persistent person-level bases + AR(1) noise + seasonal workload
(hot districts: summer AC peak; cold: winter heating peak) + "overload spells" (3 %/month chance,
~7 months) in which overtime creeps up ~1 h/week every month — so overtime rises before many exits.
Resulting rates (seed 42, 3000 technicians): ~21 % voluntary and ~5 % involuntary annual turnover,
~80 % of hires still employed after 90 days (referral ~87 %, agency ~71 %).
"""

from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from technicians.demo_company import (  # noqa: F401 - the planted drivers are re-exported for tests and docs
    CANDIDATE_NOTES,
    DISTRICTS,
    FIRST_NAMES,
    GROWTH_PER_YEAR,
    INVOLUNTARY_INTERCEPT,
    INVOLUNTARY_REASONS,
    JOBS_PER_TECH_WEEK,
    LAST_NAMES,
    OPEN_STAGE_PROB,
    OPEN_STAGES,
    PLANTED_HIRE_DRIVERS,
    PLANTED_RETENTION_DRIVERS,
    PLANTED_RETENTION_NOISE,
    REGIONS,
    SCHEDULE_PROB,
    SCHEDULES,
    SHIFT_PROB,
    SHIFTS,
    SOURCE_EFFECT,
    SOURCE_PROB_HIRED,
    SOURCES,
    TECH_NOTES,
    TRADE_BASE_PAY,
    TRADE_PROB,
    TRADE_PROB_HOT,
    TRADES,
    UNION_RATE,
    VOLUNTARY,
    VOLUNTARY_REASONS,
)
from technicians.demo_demand import _demand_frame, season_factor


@dataclass
class DemoData:
    """The generated company as plain frames. Dates are ``datetime.date``; ids are strings."""

    as_of: date
    window_start: date
    regions: pd.DataFrame
    districts: pd.DataFrame
    technicians: pd.DataFrame
    snapshots: pd.DataFrame
    candidates: pd.DataFrame
    demand: pd.DataFrame

    def counts(self) -> dict[str, int]:
        return {
            "regions": len(self.regions),
            "districts": len(self.districts),
            "technicians": len(self.technicians),
            "snapshots": len(self.snapshots),
            "candidates": len(self.candidates),
            "demand_weeks": len(self.demand),
        }


# --------------------------------------------------------------------------- small helpers


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _add_months(d: date, n: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 + n, 12)
    return date(y, m + 1, 1)


def _uuids(rng: np.random.Generator, n: int) -> list[str]:
    """Deterministic version-4 UUIDs from the generator."""
    b = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    b[:, 6] = (b[:, 6] & 0x0F) | 0x40
    b[:, 8] = (b[:, 8] & 0x3F) | 0x80
    return [str(uuid.UUID(bytes=row.tobytes())) for row in b]


def _month_index(ordinals: np.ndarray, start: date) -> np.ndarray:
    """Whole months from ``start``'s month to each date (given as proleptic ordinals); negative before."""
    days = np.asarray(ordinals, dtype=np.int64) - date(1970, 1, 1).toordinal()
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return months - ((start.year - 1970) * 12 + start.month - 1)


def _emails(first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """first.last@example.com, made unique with a counter suffix (first.last2@…) in row order."""
    base = pd.Series([f"{f}.{ln}".lower() for f, ln in zip(first, last, strict=True)])
    n = base.groupby(base, sort=False).cumcount().to_numpy()
    suffix = np.where(n == 0, "", (n + 1).astype(str))
    return (base.to_numpy().astype(object) + suffix.astype(object) + "@example.com").astype(object)


# --------------------------------------------------------------------------- the person pool


class _Pool:
    """Growable column arrays, one entry per person ever employed."""

    def __init__(self, capacity: int):
        self.n = 0
        self.cols: dict[str, np.ndarray] = {}
        self.capacity = capacity

    def add(self, **cols: np.ndarray) -> np.ndarray:
        k = len(next(iter(cols.values())))
        if self.n + k > self.capacity:
            self.capacity = max(self.capacity * 2, self.n + k)
            for name, arr in self.cols.items():
                self.cols[name] = np.resize(arr, self.capacity)
        for name, values in cols.items():
            values = np.asarray(values)
            if name not in self.cols:
                self.cols[name] = np.zeros(self.capacity, dtype=values.dtype)
            self.cols[name][self.n : self.n + k] = values
        idx = np.arange(self.n, self.n + k)
        self.n += k
        return idx

    def __getitem__(self, name: str) -> np.ndarray:
        return self.cols[name][: self.n]

    def set(self, name: str, idx: np.ndarray, values) -> None:
        self.cols[name][idx] = values


# --------------------------------------------------------------------------- generator


def demo_generate(*, technicians: int = 3000, months: int = 36, seed: int = 42, as_of: date) -> DemoData:
    """Generate the whole demo company. Deterministic for (technicians, months, seed, as_of)."""
    if technicians < 1 or months < 1:
        raise ValueError("technicians and months must be at least 1")
    ss = np.random.SeedSequence(seed)
    rng_sim, rng_names, rng_ids, rng_cand, rng_demand = (np.random.default_rng(s) for s in ss.spawn(5))

    month_starts = [_add_months(date(as_of.year, as_of.month, 1), k - (months - 1)) for k in range(months)]
    window_start = month_starts[0]

    regions = pd.DataFrame(REGIONS, columns=["code", "name"])
    districts = pd.DataFrame(
        DISTRICTS, columns=["code", "name", "region_code", "climate", "size_weight", "cost_of_living", "drive_base"]
    )
    n_d = len(districts)
    share = districts["size_weight"].to_numpy() / districts["size_weight"].sum()
    climate = districts["climate"].to_numpy()
    col_index = districts["cost_of_living"].to_numpy()
    region_idx = districts["region_code"].map({c: i for i, (c, _) in enumerate(REGIONS)}).to_numpy()

    def target_headcount(t: float) -> float:
        return technicians * (1 + GROWTH_PER_YEAR) ** ((t - (months - 1)) / 12)

    def market(t: float) -> float:
        """Market pay index (3.5 %/year)."""
        return 1.035 ** (t / 12)

    pool = _Pool(capacity=int(technicians * (1.3 + months * 0.04)) + 64)

    def new_people(k: int, dist: np.ndarray, t: int, initial: bool, medians: np.ndarray) -> None:
        r = rng_sim
        hot = climate[dist] == "hot"
        trade = np.where(
            hot,
            r.choice(len(TRADES), size=k, p=TRADE_PROB_HOT),
            r.choice(len(TRADES), size=k, p=TRADE_PROB),
        )
        exp_years = r.gamma(1.5, 3.0, size=k)
        commute = np.round(np.clip(r.lognormal(np.log(13), 0.55, size=k), 1, 80), 1)
        certs = np.minimum(r.poisson(0.6 + 0.12 * np.minimum(exp_years, 12)), 6)
        if initial:
            tenure_years = np.minimum(r.exponential(4.5, size=k) + 0.1, 30)
            hire_ord = np.array([window_start.toordinal()] * k, dtype=np.int64) - np.round(
                tenure_years * 365.25
            ).astype(np.int64)
            hire_month = _month_index(hire_ord, window_start)
            certs = np.minimum(certs + r.poisson(0.25 * tenure_years), 8)
            pay = (
                TRADE_BASE_PAY[trade]
                * col_index[dist]
                * (1 + 0.012 * np.minimum(exp_years + tenure_years, 20))
                * market(0)
                * r.lognormal(0, 0.08, size=k)
            )
            source = np.full(k, -1)
            assessment = np.full(k, np.nan)
            q = np.zeros(k)
        else:
            ms = month_starts[t]
            last_day = as_of.day if t == months - 1 else calendar.monthrange(ms.year, ms.month)[1]
            hire_ord = ms.toordinal() + r.integers(0, last_day, size=k)
            hire_month = np.full(k, t, dtype=np.int64)
            pay = (
                TRADE_BASE_PAY[trade]
                * col_index[dist]
                * (1 + 0.015 * np.minimum(exp_years, 20))
                * market(t)
                * r.lognormal(0, 0.085, size=k)
            )
            source = r.choice(len(SOURCES), size=k, p=SOURCE_PROB_HIRED)
            assessment = np.clip(r.normal(72, 10, size=k) + 3 * SOURCE_EFFECT[source], 30, 100)
            offered_ratio = pay / medians[dist]
            q = (
                SOURCE_EFFECT[source]
                + 0.08 * np.minimum(exp_years, 10)
                - 0.4
                + 0.03 * (assessment - 70)
                - 0.03 * (commute - 15)
                + 0.2 * certs
                - 0.3
                + 4.0 * (offered_ratio - 1)
            )
        pay = np.round(np.clip(pay, 17.5, 60.0), 2)
        pool.add(
            dist=dist.astype(np.int64),
            trade=trade.astype(np.int64),
            schedule=r.choice(len(SCHEDULES), size=k, p=SCHEDULE_PROB),
            shift=r.choice(len(SHIFTS), size=k, p=SHIFT_PROB),
            union=r.random(k) < UNION_RATE[region_idx[dist]],
            van_age=np.minimum(r.poisson(5.0, size=k), 14),
            commute=commute,
            certs=certs.astype(np.int64),
            exp_years=np.round(exp_years, 1),
            hire_ord=hire_ord.astype(np.int64),
            hire_month=hire_month,
            initial=np.full(k, initial),
            source=source.astype(np.int64),
            assessment=assessment,
            q=q,
            start_pay=pay.copy(),
            pay=pay,
            ot_base=r.gamma(2.2, 2.3, size=k),
            ot_prev=np.full(k, np.nan),
            overload_left=np.zeros(k, dtype=np.int64),
            overload=np.zeros(k),
            drive_base=districts["drive_base"].to_numpy()[dist] + 0.9 * (commute - 13) + r.normal(0, 9, size=k),
            csat_base=np.clip(r.normal(4.45, 0.22, size=k), 3.2, 4.95),
            ftf_base=np.clip(r.normal(0.78, 0.06, size=k) + 0.004 * np.minimum(exp_years, 10), 0.5, 0.95),
            util_base=np.clip(r.normal(0.84, 0.06, size=k), 0.55, 1.05),
            trainer=r.random(k) < 0.7,
            train_rate=r.gamma(3.0, 1.3, size=k),
            frailty=r.normal(0, 0.35, size=k),
            perf_noise=r.normal(0, 0.25, size=k),
            term_month=np.full(k, -1, dtype=np.int64),
            term_ord=np.zeros(k, dtype=np.int64),
            term_type=np.zeros(k, dtype=np.int64),  # 0 none, 1 voluntary, 2 involuntary
            term_reason=np.full(k, "", dtype=object),
            last_perf=np.full(k, 3.0),
        )

    # Initial tenured workforce, allocated to districts by size.
    w0 = int(round(target_headcount(0)))
    init_dist = rng_sim.choice(n_d, size=w0, p=share)
    global_median = np.full(n_d, np.nan)
    for d in range(n_d):
        global_median[d] = TRADE_BASE_PAY.mean() * col_index[d] * 1.08
    new_people(w0, init_dist, 0, True, global_median)

    snap_blocks: list[dict[str, np.ndarray]] = []
    medians = global_median.copy()
    for t in range(months):
        ms = month_starts[t]
        alive = np.flatnonzero(pool["term_month"] < 0)
        if t > 0:
            survivors = np.bincount(pool["dist"][alive], minlength=n_d)
            deficit = share * target_headcount(t) - survivors
            hires_d = rng_sim.poisson(np.maximum(deficit, 0) + 0.004 * share * target_headcount(t))
            if hires_d.sum():
                new_people(int(hires_d.sum()), np.repeat(np.arange(n_d), hires_d), t, False, medians)
            alive = np.flatnonzero(pool["term_month"] < 0)
        a = alive
        k = len(a)
        dist = pool["dist"][a]
        tenure_m = t - pool["hire_month"][a]

        # Yearly raise on the hire anniversary month (after the first year).
        anniv = (tenure_m >= 12) & (tenure_m % 12 == 0)
        if anniv.any():
            raise_pct = np.clip(
                rng_sim.normal(0.03, 0.012, size=anniv.sum()) + 0.01 * (pool["last_perf"][a][anniv] - 3), 0, 0.08
            )
            pool.set("pay", a[anniv], np.round(pool["pay"][a][anniv] * (1 + raise_pct), 2))
        pay = pool["pay"][a]
        med = np.array([np.median(pay[dist == d]) if (dist == d).any() else medians[d] for d in range(n_d)])
        medians = med
        ratio = pay / med[dist]

        mid_doy = date(ms.year, ms.month, 15).timetuple().tm_yday
        load = season_factor(climate, mid_doy)[dist] - 1.0

        # Overload spells: overtime creeps up month after month, then slowly relaxes.
        ol_left = pool["overload_left"][a]
        ol = pool["overload"][a]
        starting = (ol_left == 0) & (rng_sim.random(k) < 0.03)
        ol_left = np.where(starting, rng_sim.geometric(1 / 7, size=k), ol_left)
        in_spell = ol_left > 0
        ol = np.where(in_spell, ol + rng_sim.uniform(0.6, 1.5, size=k), ol * 0.6)
        ol_left = np.maximum(ol_left - 1, 0)
        pool.set("overload_left", a, ol_left)
        pool.set("overload", a, ol)

        ot_target = pool["ot_base"][a] + 14 * load + ol
        prev = pool["ot_prev"][a]
        prev = np.where(np.isnan(prev), 0.5 * ot_target, prev)
        ot = np.clip(0.45 * prev + 0.55 * ot_target + rng_sim.normal(0, 1.2, size=k), 0, 35)
        pool.set("ot_prev", a, ot)

        commute = pool["commute"][a]
        drive = np.clip(pool["drive_base"][a] + 10 * load + rng_sim.normal(0, 6, size=k), 15, 240)
        util = np.clip(
            pool["util_base"][a]
            + 0.25 * load
            + 0.005 * np.minimum(tenure_m, 12)
            - 0.06
            + rng_sim.normal(0, 0.04, size=k),
            0.3,
            1.3,
        )
        ftf = np.clip(
            pool["ftf_base"][a]
            + 0.04 * np.minimum(tenure_m, 24) / 24
            - 0.002 * np.maximum(ot - 10, 0)
            + rng_sim.normal(0, 0.03, size=k),
            0.3,
            0.99,
        )
        # Part-month for the hire month and the current (as_of) month.
        dim = calendar.monthrange(ms.year, ms.month)[1]
        hire_day = pool["hire_ord"][a] - ms.toordinal()
        frac = np.where(tenure_m == 0, (dim - np.clip(hire_day, 0, dim - 1)) / dim, 1.0)
        if t == months - 1:
            frac = frac * min(as_of.day / dim, 1.0)
        jobs = rng_sim.poisson(np.maximum(88 * util * (1 + ot / 45) * frac, 0.5))
        callbacks = rng_sim.poisson(jobs * (1 - ftf) * 0.35)
        csat = np.clip(
            pool["csat_base"][a] - 0.015 * np.maximum(ot - 8, 0) - 0.6 * (0.78 - ftf) + rng_sim.normal(0, 0.1, size=k),
            1,
            5,
        )
        trainer = pool["trainer"][a]
        onboarding = tenure_m < 2
        training = np.where(
            onboarding,
            rng_sim.uniform(8, 20, size=k),
            np.where(
                trainer,
                np.where(rng_sim.random(k) < 0.75, rng_sim.gamma(2.0, pool["train_rate"][a] / 2.0), 0.0),
                np.where(rng_sim.random(k) < 0.08, rng_sim.uniform(1, 4, size=k), 0.0),
            ),
        )
        training = np.round(training, 1)
        cb_rate = callbacks / np.maximum(jobs, 1)
        perf = np.clip(3.1 + 5 * (ftf - 0.8) + 1.0 * (csat - 4.4) - 4 * (cb_rate - 0.07) + pool["perf_noise"][a], 1, 5)
        pool.set("last_perf", a, perf)

        # --- leaving: logistic hazards on this month's values only ---------------------------
        tenure_term = _tenure_term(tenure_m)
        q_weight = np.where(tenure_m < 3, 1.0, np.where(tenure_m < 12, 0.4, 0.0))
        c = VOLUNTARY
        z_vol = (
            c["intercept"]
            + c["overtime"] * np.maximum(ot - 5, 0)
            + c["pay_below"] * np.maximum(1 - ratio, 0)
            - c["pay_above"] * np.maximum(ratio - 1, 0)
            + tenure_term
            + c["drive"] * (drive - 70)
            + c["commute"] * (commute - 15)
            + c["csat"] * (4.4 - csat)
            + c["no_training"] * (training == 0)
            - c["certifications"] * pool["certs"][a]
            + c["van_age"] * pool["van_age"][a]
            - q_weight * pool["q"][a]
            + pool["frailty"][a]
        )
        assess = np.nan_to_num(pool["assessment"][a], nan=70.0)
        z_inv = INVOLUNTARY_INTERCEPT - 1.6 * (perf - 3) + (tenure_m < 4) * (0.6 - 0.04 * (assess - 70))
        p_vol = _sigmoid(z_vol)
        p_inv = _sigmoid(z_inv)
        u = rng_sim.random(k)
        inv = u < p_inv
        vol = ~inv & (u < p_inv + p_vol)
        leaving = inv | vol
        if leaving.any():
            li = a[leaving]
            lo = np.where(tenure_m[leaving] == 0, np.clip(hire_day[leaving], 0, dim - 1), 0)
            hi = as_of.day if t == months - 1 else dim
            hi = np.maximum(hi, lo + 1)
            pool.set("term_month", li, t)
            pool.set("term_ord", li, ms.toordinal() + rng_sim.integers(lo, hi))
            pool.set("term_type", li, np.where(inv[leaving], 2, 1))
            pool.set(
                "term_reason",
                li,
                _reasons(
                    rng_sim,
                    inv[leaving],
                    ot[leaving],
                    ratio[leaving],
                    drive[leaving],
                    tenure_m[leaving],
                ),
            )
        snap_blocks.append(
            {
                "person": a,
                "month_idx": np.full(k, t),
                "jobs_completed": jobs,
                "first_time_fix_rate": np.round(ftf, 3),
                "callbacks": callbacks,
                "csat": np.round(csat, 2),
                "overtime_hours": np.round(ot, 1),
                "drive_time_minutes": np.round(drive, 1),
                "utilization": np.round(util, 3),
                "training_hours": training,
                "pay_rate": pool["pay"][a],
            }
        )

    technicians_df = _technicians_frame(pool, districts, rng_names, rng_ids)
    snapshots = _snapshots_frame(snap_blocks, technicians_df, month_starts)
    candidates = _candidates_frame(pool, technicians_df, districts, months, as_of, rng_cand, rng_names, rng_ids)
    demand = _demand_frame(districts, window_start, as_of, target_headcount, rng_demand)
    technicians_df = technicians_df.drop(columns=["_person"])
    return DemoData(
        as_of=as_of,
        window_start=window_start,
        regions=regions,
        districts=districts[["code", "name", "region_code", "climate"]].copy(),
        technicians=technicians_df,
        snapshots=snapshots,
        candidates=candidates,
        demand=demand,
    )


def _tenure_term(tenure_m: np.ndarray) -> np.ndarray:
    """Early tenure is risky; risk falls 0.12 logit per year after the first (to -0.9 at 8+ years)."""
    return np.where(
        tenure_m < 3,
        0.7,
        np.where(tenure_m < 6, 0.55, np.where(tenure_m < 12, 0.35, -0.12 * np.minimum((tenure_m - 12) / 12, 7.5))),
    )


def _reasons(rng, inv, ot, ratio, drive, tenure_m) -> np.ndarray:
    """Plausible free-text reason from the strongest driver of that exit."""
    k = len(inv)
    out = np.empty(k, dtype=object)
    pick = rng.random(k)
    for i in range(k):  # only the leavers of one month: small
        if inv[i]:
            opts = INVOLUNTARY_REASONS["probation" if tenure_m[i] < 4 else "other"]
        elif ot[i] > 12:
            opts = VOLUNTARY_REASONS["overtime"]
        elif ratio[i] < 0.9:
            opts = VOLUNTARY_REASONS["pay"]
        elif drive[i] > 100:
            opts = VOLUNTARY_REASONS["drive"]
        elif tenure_m[i] < 6:
            opts = VOLUNTARY_REASONS["early"]
        else:
            opts = VOLUNTARY_REASONS["other"]
        out[i] = opts[int(pick[i] * len(opts))]
    return out


def _names(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    first = np.array(FIRST_NAMES, dtype=object)[rng.integers(0, len(FIRST_NAMES), size=n)]
    last = np.array(LAST_NAMES, dtype=object)[rng.integers(0, len(LAST_NAMES), size=n)]
    return first, last


def _technicians_frame(pool: _Pool, districts: pd.DataFrame, rng_names, rng_ids) -> pd.DataFrame:
    n = pool.n
    # Employee ids in hire order (ties broken by pool order) — stable and deterministic.
    order = np.lexsort((np.arange(n), pool["hire_ord"]))
    emp_no = np.empty(n, dtype=np.int64)
    emp_no[order] = np.arange(1, n + 1)
    first, last = _names(rng_names, n)
    term_type = pool["term_type"]
    terminated = term_type > 0
    perf = np.round(np.clip(pool["last_perf"], 1, 5) * 2) / 2
    notes_pick = rng_names.random(n)
    note_idx = rng_names.integers(0, len(TECH_NOTES), size=n)
    notes = np.where(notes_pick < 0.12, np.array(TECH_NOTES, dtype=object)[note_idx], "")
    frame = pd.DataFrame(
        {
            "id": _uuids(rng_ids, n),
            "employee_id": [f"E{x:06d}" for x in emp_no],
            "first_name": first,
            "last_name": last,
            "district_code": districts["code"].to_numpy()[pool["dist"]],
            "trade": TRADES[pool["trade"]],
            "hire_date": [date.fromordinal(int(o)) for o in pool["hire_ord"]],
            "termination_date": [
                date.fromordinal(int(o)) if o else None for o in np.where(terminated, pool["term_ord"], 0)
            ],
            "termination_type": np.array(["", "voluntary", "involuntary"], dtype=object)[term_type],
            "termination_reason": np.where(terminated, pool["term_reason"], ""),
            "schedule_type": SCHEDULES[pool["schedule"]],
            "commute_miles": pool["commute"],
            "certifications": pool["certs"],
            "pay_rate": pool["pay"],
            "performance_rating": perf,
            "notes": notes,
            "attributes": [
                {"shift_preference": str(s), "union_member": bool(u), "van_age_years": int(v)}
                for s, u, v in zip(SHIFTS[pool["shift"]], pool["union"], pool["van_age"], strict=True)
            ],
            # Generator-only columns (not model fields) used to build candidates; the loader ignores them.
            "_person": np.arange(n),
        }
    )
    frame["email"] = _emails(frame["first_name"].to_numpy(), frame["last_name"].to_numpy())
    return frame.sort_values("employee_id", kind="stable").reset_index(drop=True)


def _snapshots_frame(blocks, techs: pd.DataFrame, month_starts: list[date]) -> pd.DataFrame:
    cols = {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]}
    person_to_id = np.empty(len(techs), dtype=object)
    person_to_id[techs["_person"].to_numpy()] = techs["id"].to_numpy()
    months = np.array(month_starts, dtype=object)
    frame = pd.DataFrame(
        {
            "technician_id": person_to_id[cols.pop("person")],
            "month": months[cols.pop("month_idx")],
            **cols,
        }
    )
    return frame


def _candidates_frame(pool, techs, districts, months, as_of, rng, rng_names, rng_ids) -> pd.DataFrame:
    """Hired candidates (one per in-window hire), rejected/withdrawn ones, and the open pipeline."""
    win = techs[~pool["initial"][techs["_person"].to_numpy()]].copy()
    p = win["_person"].to_numpy()
    h = len(win)
    hire_dates = win["hire_date"].to_numpy()
    lag_offer = rng.integers(7, 22, size=h)
    lag_apply = lag_offer + rng.integers(7, 40, size=h)
    hired = pd.DataFrame(
        {
            "first_name": win["first_name"].to_numpy(),
            "last_name": win["last_name"].to_numpy(),
            "email": win["email"].to_numpy(),
            "district_code": win["district_code"].to_numpy(),
            "trade": win["trade"].to_numpy(),
            "source": SOURCES[pool["source"][p]],
            "applied_date": [d - timedelta(days=int(x)) for d, x in zip(hire_dates, lag_apply, strict=True)],
            "years_experience": pool["exp_years"][p],
            "certifications": pool["certs"][p],
            "assessment_score": np.round(pool["assessment"][p], 1),
            "interview_score": _interview(rng, pool["assessment"][p], SOURCE_EFFECT[pool["source"][p]]),
            "commute_miles": pool["commute"][p],
            "stage": "hired",
            "offer_date": [d - timedelta(days=int(x)) for d, x in zip(hire_dates, lag_offer, strict=True)],
            "expected_start_date": hire_dates,
            "offered_pay_rate": pool["start_pay"][p],
            "hired_technician_id": win["id"].to_numpy(),
            "attributes": [{"shift_preference": a["shift_preference"]} for a in win["attributes"]],
        }
    )

    # Open pipeline, sized from the recent monthly hiring rate.
    monthly_hires = max(h / max(months, 1), 1.0)
    n_open = int(round(1.6 * monthly_hires))
    n_closed = max(int(round(0.5 * h)) - n_open, 0)
    n_new = n_open + n_closed
    first, last = _names(rng_names, n_new)
    d_idx = rng.choice(
        len(districts), size=n_new, p=districts["size_weight"].to_numpy() / districts["size_weight"].sum()
    )
    trade = rng.choice(len(TRADES), size=n_new, p=TRADE_PROB)
    source = rng.choice(len(SOURCES), size=n_new, p=np.array([0.14, 0.34, 0.16, 0.16, 0.08, 0.12]))
    exp_years = np.round(rng.gamma(1.4, 3.0, size=n_new), 1)
    certs = np.minimum(rng.poisson(0.5 + 0.1 * np.minimum(exp_years, 12)), 6)
    commute = np.round(np.clip(rng.lognormal(np.log(14), 0.6, size=n_new), 1, 90), 1)
    is_open = np.arange(n_new) < n_open
    assessment = np.clip(np.where(is_open, rng.normal(68, 12, size=n_new), rng.normal(58, 13, size=n_new)), 10, 100)
    stage = np.where(
        is_open,
        OPEN_STAGES[rng.choice(len(OPEN_STAGES), size=n_new, p=OPEN_STAGE_PROB)],
        np.where(rng.random(n_new) < 0.7, "rejected", "withdrawn"),
    ).astype(object)
    as_of_ord = as_of.toordinal()
    window_ord = techs["hire_date"].min().toordinal()
    window_ord = max(window_ord, _add_months(date(as_of.year, as_of.month, 1), -(months - 1)).toordinal())
    stage_age = {
        "applied": (0, 14),
        "screening": (5, 25),
        "interview": (10, 40),
        "offer": (15, 45),
        "accepted": (20, 60),
    }
    applied_ord = np.empty(n_new, dtype=np.int64)
    for s, (lo, hi) in stage_age.items():
        m = stage == s
        applied_ord[m] = as_of_ord - rng.integers(lo, hi, size=m.sum())
    closed = ~is_open
    applied_ord[closed] = rng.integers(window_ord, max(as_of_ord - 20, window_ord + 1), size=closed.sum())
    has_offer = np.isin(stage, ["offer", "accepted"]) | ((stage == "withdrawn") & (rng.random(n_new) < 0.3))
    offer_ord = np.where(has_offer, np.minimum(applied_ord + rng.integers(10, 25, size=n_new), as_of_ord), 0)
    start_ord = np.where(stage == "accepted", as_of_ord + rng.integers(3, 43, size=n_new), 0)
    offered = (
        TRADE_BASE_PAY[trade] * districts["cost_of_living"].to_numpy()[d_idx] * (1 + 0.015 * np.minimum(exp_years, 20))
    )
    offered = offered * 1.035 ** (months / 12) * rng.lognormal(0, 0.08, size=n_new)
    offered = np.where(has_offer, np.round(np.clip(offered, 17.5, 60), 2), np.nan)
    note_pick = rng.random(n_new) < 0.15
    notes = np.where(
        note_pick, np.array(CANDIDATE_NOTES, dtype=object)[rng.integers(0, len(CANDIDATE_NOTES), size=n_new)], ""
    )
    others = pd.DataFrame(
        {
            "first_name": first,
            "last_name": last,
            "district_code": districts["code"].to_numpy()[d_idx],
            "trade": TRADES[trade],
            "source": SOURCES[source],
            "applied_date": [date.fromordinal(int(o)) for o in applied_ord],
            "years_experience": exp_years,
            "certifications": certs,
            "assessment_score": np.round(assessment, 1),
            "interview_score": np.where(
                np.isin(stage, ["interview", "offer", "accepted"]) | (closed & (rng.random(n_new) < 0.5)),
                _interview(rng, assessment, SOURCE_EFFECT[source]),
                np.nan,
            ),
            "commute_miles": commute,
            "stage": stage,
            "offer_date": [date.fromordinal(int(o)) if o else None for o in offer_ord],
            "expected_start_date": [date.fromordinal(int(o)) if o else None for o in start_ord],
            "offered_pay_rate": offered,
            "hired_technician_id": None,
            "attributes": [
                {"shift_preference": str(s)} for s in SHIFTS[rng.choice(len(SHIFTS), size=n_new, p=SHIFT_PROB)]
            ],
        }
    )
    others["notes"] = notes
    hired["notes"] = np.where(rng.random(h) < 0.1, "Hired.", "")
    # Emails unique across technicians and candidates: suffix continues after technicians' names.
    all_first = np.concatenate([techs["first_name"].to_numpy(), first])
    all_last = np.concatenate([techs["last_name"].to_numpy(), last])
    others["email"] = _emails(all_first, all_last)[len(techs) :]
    frame = pd.concat([hired, others], ignore_index=True)
    frame = frame.sort_values(["applied_date", "email"], kind="stable").reset_index(drop=True)
    frame.insert(0, "candidate_id", [f"C{i + 1:06d}" for i in range(len(frame))])
    frame.insert(0, "id", _uuids(rng_ids, len(frame)))
    return frame


def _interview(rng, assessment, source_effect) -> np.ndarray:
    a = np.nan_to_num(assessment, nan=70.0)
    return np.round(np.clip(3.0 + 0.03 * (a - 70) + 0.3 * source_effect + rng.normal(0, 0.5, size=len(a)), 1, 5), 1)
