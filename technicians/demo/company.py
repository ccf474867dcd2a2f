"""The demo company's shape and its planted truths: regions, districts, trades, pay, names, reasons,
and the causal drivers (with coefficients) the generator in technicians.demo plants. Plain data, no Django.
"""

from __future__ import annotations

import numpy as np

REGIONS: list[tuple[str, str]] = [
    ("west", "West"),
    ("central", "Central"),
    ("south", "South"),
    ("northeast", "Northeast"),
]

# code, name, region, climate, size weight, cost-of-living index, drive base (minutes/day)
DISTRICTS: list[tuple[str, str, str, str, float, float, float]] = [
    ("phx", "Phoenix", "west", "hot", 1.2, 0.98, 72),
    ("lvs", "Las Vegas", "west", "hot", 0.8, 0.97, 62),
    ("lax", "Los Angeles", "west", "mild", 1.6, 1.20, 88),
    ("sdg", "San Diego", "west", "mild", 0.8, 1.15, 66),
    ("sea", "Seattle", "west", "mild", 1.0, 1.16, 70),
    ("den", "Denver", "west", "cold", 0.9, 1.05, 60),
    ("dal", "Dallas", "central", "hot", 1.4, 0.98, 80),
    ("chi", "Chicago", "central", "cold", 1.5, 1.06, 74),
    ("msp", "Minneapolis", "central", "cold", 0.8, 1.02, 58),
    ("kci", "Kansas City", "central", "cold", 0.6, 0.92, 56),
    ("stl", "St. Louis", "central", "mild", 0.6, 0.91, 55),
    ("hou", "Houston", "south", "hot", 1.4, 0.96, 86),
    ("atl", "Atlanta", "south", "hot", 1.2, 0.97, 82),
    ("mia", "Miami", "south", "hot", 1.0, 1.08, 70),
    ("orl", "Orlando", "south", "hot", 0.8, 0.95, 64),
    ("nsh", "Nashville", "south", "mild", 0.7, 0.95, 60),
    ("nyc", "New York", "northeast", "cold", 1.6, 1.25, 76),
    ("bos", "Boston", "northeast", "cold", 1.0, 1.18, 66),
    ("phl", "Philadelphia", "northeast", "cold", 0.9, 1.04, 62),
    ("pit", "Pittsburgh", "northeast", "cold", 0.5, 0.92, 52),
]

_SECTORS = ("North", "South", "East", "West", "Central", "Metro", "Valley", "Lakes", "Hills", "Coast")


def districts_table(n: int | None = None, *, seed: int = 0) -> list[tuple[str, str, str, str, float, float, float]]:
    """``n`` districts (default: the 20 above). Fewer takes the first ``n``; more adds sectors of the 20 metros
    (``phx-2`` "Phoenix North", …) in the same region and climate, with a size weight, cost of living and drive
    base drawn around their metro's — deterministic for (n, seed), so ``--districts 500`` is the same company
    every time. The simulation draws from its own streams, so the default company does not change."""
    if n is None or n == len(DISTRICTS):
        return list(DISTRICTS)
    if n < 1:
        raise ValueError("districts must be at least 1")
    if n < len(DISTRICTS):
        return list(DISTRICTS[:n])
    rng = np.random.default_rng([seed, n, 15])
    out = list(DISTRICTS)
    for i in range(len(DISTRICTS), n):
        code, name, region, climate, weight, col, drive = DISTRICTS[i % len(DISTRICTS)]
        k = i // len(DISTRICTS)  # 1, 2, … : the metro's k-th extra sector
        sector = _SECTORS[(k - 1) % len(_SECTORS)] + ("" if k <= len(_SECTORS) else f" {1 + (k - 1) // len(_SECTORS)}")
        out.append((
            f"{code}-{k + 1}", f"{name} {sector}", region, climate,
            round(float(weight * rng.uniform(0.4, 1.1)), 3), round(float(col * rng.uniform(0.95, 1.05)), 3),
            round(float(drive * rng.uniform(0.85, 1.15)), 1),
        ))  # fmt: skip
    return out


TRADES = np.array(["hvac", "appliance", "refrigeration", "plumbing", "electrical"])
TRADE_PROB = np.array([0.32, 0.28, 0.12, 0.16, 0.12])
TRADE_PROB_HOT = np.array([0.42, 0.24, 0.12, 0.12, 0.10])
TRADE_BASE_PAY = np.array([27.0, 24.5, 28.0, 26.5, 28.5])

SCHEDULES = np.array(["standard", "4x10", "rotating"])
SCHEDULE_PROB = np.array([0.62, 0.25, 0.13])
SHIFTS = np.array(["day", "evening", "flex"])
SHIFT_PROB = np.array([0.68, 0.14, 0.18])
# Union density by region (same order as REGIONS).
UNION_RATE = np.array([0.18, 0.28, 0.08, 0.45])

SOURCES = np.array(["referral", "job_board", "agency", "career_site", "trade_school", "social"])
SOURCE_PROB_HIRED = np.array([0.22, 0.30, 0.12, 0.16, 0.10, 0.10])
SOURCE_EFFECT = np.array([0.7, 0.0, -0.7, 0.1, 0.2, -0.2])

OPEN_STAGES = np.array(["applied", "screening", "interview", "offer", "accepted"])
OPEN_STAGE_PROB = np.array([0.30, 0.22, 0.18, 0.10, 0.20])

VOLUNTARY_REASONS = {
    "overtime": ["Burnout from overtime", "Workload too heavy", "Wanted more predictable hours"],
    "pay": ["Better pay elsewhere", "Left for a competitor offering more", "Compensation"],
    "drive": ["Commute too long", "Moved out of the area", "Too much time on the road"],
    "early": ["Job not as expected", "Left during onboarding", "Did not like field work"],
    "other": ["Personal reasons", "Career change", "Went back to school", "Family relocation", "Retired"],
}
INVOLUNTARY_REASONS = {
    "probation": ["Did not pass probation", "Failed skills check during probation"],
    "other": ["Performance", "Repeated callbacks / quality", "Attendance", "Policy violation"],
}
TECH_NOTES = [
    "Mentor for new hires.",
    "Bilingual (Spanish).",
    "Prefers residential calls.",
    "EPA 608 universal certified.",
    "Asked about moving to a closer depot.",
    "Interested in a lead technician role.",
    "Requested a schedule change.",
    "Great customer feedback this quarter.",
    "Van due for replacement.",
    "Covering a second district during peak season.",
]
CANDIDATE_NOTES = [
    "Strong diagnostic answers in the interview.",
    "Referred by a current technician.",
    "Needs a van with a ladder rack.",
    "Available to start immediately.",
    "Currently working for a competitor.",
    "Asked about the 4x10 schedule.",
]

FIRST_NAMES = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan "
    "Joseph Jessica Thomas Sarah Christopher Karen Charles Lisa Daniel Nancy Matthew Betty Anthony Sandra "
    "Mark Margaret Donald Ashley Steven Kimberly Andrew Emily Paul Donna Joshua Michelle Kenneth Carol Kevin "
    "Amanda Brian Melissa George Deborah Timothy Stephanie Ronald Rebecca Jason Sharon Edward Laura Jeffrey "
    "Cynthia Ryan Dorothy Jacob Amy Gary Kathleen Nicholas Angela Eric Shirley Jonathan Emma Stephen Brenda "
    "Larry Pamela Justin Nicole Scott Anna Brandon Samantha Benjamin Katherine Samuel Christine Gregory Debra "
    "Alexander Rachel Patrick Carolyn Frank Janet Raymond Maria Jack Olivia Dennis Heather Jerry Helen Tyler "
    "Catherine Aaron Diane Jose Julie Adam Victoria Nathan Joyce Henry Lauren Zachary Kelly Douglas Christina "
    "Peter Ruth Kyle Joan Noah Virginia Ethan Judith Jeremy Evelyn Christian Hannah Walter Andrea Keith Megan "
    "Austin Cheryl Roger Jacqueline Terry Madison Sean Teresa Gerald Abigail Carl Sophia Dylan Martha Harold "
    "Sara Jordan Gloria Jesse Janice Bryan Kathryn Lawrence Ann Arthur Isabella Gabriel Judy Bruce Charlotte "
    "Logan Julia Billy Grace Joe Amber Alan Alice Juan Jean Elijah Denise Willie Frances Albert Danielle "
    "Wayne Marilyn Randy Natalie Mason Beverly Vincent Diana Liam Brittany Roy Theresa Bobby Kayla Caleb "
    "Alexis Bradley Doris Russell Lori Lucas Tiffany Luis Carlos Miguel Ana Rosa Diego Marcus Andre Tanya"
).split()
LAST_NAMES = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
    "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark "
    "Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams "
    "Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz "
    "Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson "
    "Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray "
    "Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins "
    "Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales Fisher Vasquez Simmons Romero "
    "Jordan Patterson Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant "
    "Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall Owens Harrison Fernandez "
    "McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman Webb Tucker Guzman Burns Crawford "
    "Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon Munoz Hunt Hicks Holmes Palmer "
    "Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice Schmidt Garza Daniels"
).split()

# Planted voluntary-leaving hazard coefficients (logit scale, per month); see the module docstring.
VOLUNTARY = {
    "intercept": -5.2,
    "overtime": 0.22,  # per weekly overtime hour above 5
    "pay_below": 7.0,  # per unit of (1 - pay / district median) when underpaid
    "pay_above": 2.0,  # per unit of (pay / district median - 1) when overpaid
    "drive": 0.018,  # per daily drive minute above 70
    "commute": 0.012,  # per commute mile above 15
    "csat": 1.1,  # per CSAT point below 4.4
    "no_training": 0.35,  # no training hours that month
    "certifications": 0.10,  # per certification (protective)
    "van_age": 0.04,  # per year of van age
}
INVOLUNTARY_INTERCEPT = -5.4

# What a correct model should discover (docs/demo-data.md), strongest first; the first three are near-tied.
# "tenure" is months/years since hire; pay_vs_district_median = pay / median pay in the district that month.
PLANTED_RETENTION_DRIVERS = (
    "overtime_hours",
    "pay_vs_district_median",
    "tenure",
    "drive_time_minutes",
    "csat",
    "certifications",
    "commute_miles",
    "van_age_years",
    "training_hours",
)
# Columns with no planted effect on voluntary leaving (they drive involuntary exits only).
PLANTED_RETENTION_NOISE = ("first_time_fix_rate", "callbacks", "utilization", "jobs_completed")
# Quality of hire (still employed 90 days after hire), strongest first (spread of each term in the
# quality score: 0.44, 0.41, 0.30, then 0.26 / 0.23 / 0.22 near-tied).
PLANTED_HIRE_DRIVERS = (
    "offered_pay_vs_district_median",
    "source",
    "assessment_score",
    "commute_miles",
    "years_experience",
    "certifications",
)
GROWTH_PER_YEAR = 0.06
JOBS_PER_TECH_WEEK = 19.0
