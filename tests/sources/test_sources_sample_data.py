"""sample_data/ is what sample_data/generate.py writes (fixed seed), and reads back sensibly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from crm_migrate.sources import load
from tests.conftest import SAMPLE_DATA

TEXT_FILES = ["outlook_contacts.csv", "google_contacts.csv", "erp_export.csv", "deals.csv",
              "contacts.vcf"]
WORKBOOKS = ["customers.xlsx", "companies.xlsx"]


def test_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(SAMPLE_DATA / "generate.py"), str(tmp_path)], check=True,
                   capture_output=True)
    for name in TEXT_FILES:
        assert (tmp_path / name).read_bytes() == (SAMPLE_DATA / name).read_bytes(), name
    for name in WORKBOOKS:  # zip timestamps differ between runs; the cells must not
        assert load(tmp_path / name).frame.equals(load(SAMPLE_DATA / name).frame), name
    total = sum(f.stat().st_size for f in SAMPLE_DATA.iterdir())
    assert total < 1_000_000


def test_sample_mess_is_there() -> None:
    outlook = load(SAMPLE_DATA / "outlook_contacts.csv").frame
    emails = outlook["E-mail Address"]
    lowered = emails[emails != ""].str.lower()
    assert lowered.duplicated().sum() >= 8  # same address in other casing
    assert (outlook["First Name"] != outlook["First Name"].str.strip()).any()  # stray spaces
    assert (outlook["Last Name"].str.isupper() & (outlook["Last Name"].str.len() > 2)).any()
    assert outlook["Business Phone"].str.contains("x|ext", regex=True).any()
    customers = load(SAMPLE_DATA / "customers.xlsx").frame
    assert customers["Name"].str.contains(", ").any()  # 'Last, First'
    erp = load(SAMPLE_DATA / "erp_export.csv").frame
    assert erp["Nachname"].str.contains("ü|ö|ä|ß", regex=True).any()
    assert erp["Geburtsdatum"].str.fullmatch(r"\d\d\.\d\d\.\d{4}|").all()
