"""The month-by-month simulation of the demo company (pure numpy/pandas, no Django).

``demo_generate(technicians=3000, months=36, seed=42, as_of=date(...))`` returns a :class:`DemoData`
of plain DataFrames. Same arguments → identical frames. What is planted here (drivers, demographics,
the proxy path, drift) is documented in one place: ``technicians/demo/README.md``.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from technicians.demo.company import (
    GROWTH_PER_YEAR,
    INVOLUNTARY_INTERCEPT,
    INVOLUNTARY_REASONS,
    REGIONS,
    SCHEDULE_PROB,
    SCHEDULES,
    SHIFT_PROB,
    SHIFTS,
    SOURCE_EFFECT,
    SOURCE_PROB_HIRED,
    SOURCES,
    TRADE_BASE_PAY,
    TRADE_PROB,
    TRADE_PROB_HOT,
    TRADES,
    UNION_RATE,
    VOLUNTARY,
    VOLUNTARY_REASONS,
    districts_table,
)
from technicians.demo.demand import _demand_frame, season_factor, trade_demand_frame
from technicians.demo.demographics import draw_demographics
from technicians.demo.drift import DRIVE_MINUTES as DRIFT_DRIVE_MINUTES
from technicians.demo.drift import OVERTIME_HOURS as DRIFT_OVERTIME_HOURS
from technicians.demo.drift import drift_active
from technicians.demo.frames import _add_months, _candidates_frame, _snapshots_frame, _technicians_frame
from technicians.demo.pool import Pool


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
    trade_demand: pd.DataFrame | None = None  # demand per district × trade × week (sums to ``demand``)

    def counts(self) -> dict[str, int]:
        return {
            "regions": len(self.regions),
            "districts": len(self.districts),
            "technicians": len(self.technicians),
            "snapshots": len(self.snapshots),
            "candidates": len(self.candidates),
            "demand_weeks": len(self.demand),
            "trade_demand_weeks": 0 if self.trade_demand is None else len(self.trade_demand),
        }


# --------------------------------------------------------------------------- small helpers


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _month_index(ordinals: np.ndarray, start: date) -> np.ndarray:
    """Whole months from ``start``'s month to each date (given as proleptic ordinals); negative before."""
    days = np.asarray(ordinals, dtype=np.int64) - date(1970, 1, 1).toordinal()
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return months - ((start.year - 1970) * 12 + start.month - 1)


# --------------------------------------------------------------------------- generator


def demo_generate(
    *,
    technicians: int = 3000,
    months: int = 36,
    seed: int = 42,
    as_of: date,
    drift_from: date | None = None,
    districts: int | None = None,
) -> DemoData:
    """Generate the whole demo company. Deterministic for (technicians, months, seed, as_of, drift_from,
    districts).

    ``drift_from`` plants drift from that month on (technicians.demo.drift); None (default) plants none.
    ``districts`` sets how many districts the company has (default 20; company.districts_table)."""
    if technicians < 1 or months < 1:
        raise ValueError("technicians and months must be at least 1")
    ss = np.random.SeedSequence(seed)
    rng_sim, rng_names, rng_ids, rng_cand, rng_demand = (np.random.default_rng(s) for s in ss.spawn(5))

    month_starts = [_add_months(date(as_of.year, as_of.month, 1), k - (months - 1)) for k in range(months)]
    window_start = month_starts[0]

    regions = pd.DataFrame(REGIONS, columns=["code", "name"])
    districts = pd.DataFrame(
        districts_table(districts, seed=seed),
        columns=["code", "name", "region_code", "climate", "size_weight", "cost_of_living", "drive_base"],
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

    pool = Pool(capacity=int(technicians * (1.3 + months * 0.04)) + 64)

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
        drifted = drift_active(ms, drift_from)
        if drifted:
            ot_target = ot_target + DRIFT_OVERTIME_HOURS
        prev = pool["ot_prev"][a]
        prev = np.where(np.isnan(prev), 0.5 * ot_target, prev)
        ot = np.clip(0.45 * prev + 0.55 * ot_target + rng_sim.normal(0, 1.2, size=k), 0, 35)
        pool.set("ot_prev", a, ot)

        commute = pool["commute"][a]
        drive = np.clip(
            pool["drive_base"][a] + 10 * load + drifted * DRIFT_DRIVE_MINUTES + rng_sim.normal(0, 6, size=k), 15, 240
        )
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
    # Self-reported demographics come last, from their own stream (spawned after the others, so
    # nothing above changes): they decide nothing; only the documented proxy path links them to outcomes.
    _add_demographics(technicians_df, candidates, np.random.default_rng(ss.spawn(1)[0]))
    # The trade split of demand: its own stream too, spawned last (everything above stays as it was).
    trade_demand = trade_demand_frame(demand, districts, np.random.default_rng(ss.spawn(1)[0]))
    return DemoData(
        as_of=as_of,
        window_start=window_start,
        regions=regions,
        districts=districts[["code", "name", "region_code", "climate"]].copy(),
        technicians=technicians_df,
        snapshots=snapshots,
        candidates=candidates,
        demand=demand,
        trade_demand=trade_demand,
    )


def _add_demographics(techs: pd.DataFrame, candidates: pd.DataFrame, rng: np.random.Generator) -> None:
    """Add ``sex`` and ``race_ethnicity`` in place; a hired candidate is the same person as their technician."""
    techs["sex"], techs["race_ethnicity"] = draw_demographics(rng, techs["commute_miles"].to_numpy())
    sex, race = draw_demographics(rng, candidates["commute_miles"].to_numpy())
    by_tech = techs.set_index("id")[["sex", "race_ethnicity"]]
    hired = candidates["hired_technician_id"].notna().to_numpy()
    linked = by_tech.reindex(candidates.loc[hired, "hired_technician_id"])
    sex[hired], race[hired] = linked["sex"].to_numpy(), linked["race_ethnicity"].to_numpy()
    candidates["sex"], candidates["race_ethnicity"] = sex, race


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
