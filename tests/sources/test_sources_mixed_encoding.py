"""Files whose lines mix UTF-8 and a single-byte code page: each line decoded right, the odd ones reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm_migrate.sources import load
from tests.sources import hostile


def problems(table: object) -> list[str]:
    return [i.problem for i in table.issues]  # type: ignore[attr-defined]


@pytest.mark.timeout(30)
def test_utf8_file_with_cp1252_lines(tmp_path: Path) -> None:
    table = load(hostile.mixed_encoding_csv(tmp_path / "mixed.csv", cp1252_lines=(2, 4)))
    assert table.frame["Name"].tolist() == hostile.MIXED_NAMES
    assert table.detection.encoding == "utf-8"
    assert problems(table) == [
        "mixed encodings: source line 3 is cp1252, the rest UTF-8; read as cp1252: "
        "'Zoë Brontë,p2@example.com'",
        "mixed encodings: source line 5 is cp1252, the rest UTF-8; read as cp1252: "
        "'François Lefèvre,p4@example.com'",
    ]


@pytest.mark.timeout(30)
def test_cp1252_file_with_a_utf8_line(tmp_path: Path) -> None:
    table = load(hostile.mixed_encoding_csv(tmp_path / "mixed.csv", cp1252_lines=(1, 2, 3, 5)))
    assert table.frame["Name"].tolist() == hostile.MIXED_NAMES
    assert table.detection.encoding == "cp1252"
    assert problems(table) == ["mixed encodings: source line 5 is UTF-8, the rest cp1252; read as UTF-8: "
                               "'François Lefèvre,p4@example.com'"]


@pytest.mark.timeout(30)
def test_central_european_lines_among_utf8_lines(tmp_path: Path) -> None:
    rows = [("Antonín Dvořák", "utf-8"), ("Božena Němcová", "cp1250"), ("Karel Čapek", "utf-8"),
            ("Jiří Šťastný", "cp1250"), ("Přemysl Žďárský", "utf-8")]
    data = b"Name,Email\n" + b"".join(f"{n},p{i}@example.cz\n".encode(c) for i, (n, c) in enumerate(rows))
    path = tmp_path / "czech.csv"
    path.write_bytes(data)
    table = load(path)
    assert table.frame["Name"].tolist() == [n for n, _ in rows]
    assert [p.split(";")[0] for p in problems(table)] == [
        "mixed encodings: source line 3 is cp1250, the rest UTF-8",
        "mixed encodings: source line 5 is cp1250, the rest UTF-8",
    ]


@pytest.mark.timeout(60)
def test_cp1252_lines_after_a_megabyte_of_utf8(tmp_path: Path) -> None:
    lines = [b"Name,City"] + [f"Jörg {i},Köln".encode() for i in range(80_000)] + ["Zoë,Zürich".encode("cp1252")]
    path = tmp_path / "late.csv"
    path.write_bytes(b"\n".join(lines) + b"\n")
    assert path.stat().st_size > 1 << 20
    table = load(path)
    assert table.frame.iloc[0].tolist() == ["Jörg 0", "Köln"]
    assert table.frame.iloc[-1].tolist() == ["Zoë", "Zürich"]
    assert table.detection.encoding == "utf-8"
    assert problems(table) == ["mixed encodings: source line 80002 is cp1252, the rest UTF-8; read as cp1252: "
                               "'Zoë,Zürich'"]


@pytest.mark.timeout(30)
def test_a_line_neither_utf8_nor_the_code_page_is_named(tmp_path: Path) -> None:
    path = hostile.mixed_encoding_csv(tmp_path / "mixed.csv", cp1252_lines=(2,))
    path.write_bytes(path.read_bytes() + b"Bad \x81\x8d name,bad@example.com\n")  # undefined in cp1252
    table = load(path)
    assert table.frame["Name"].tolist()[:5] == hostile.MIXED_NAMES
    assert table.frame["Name"].tolist()[5] == "Bad \ufffd\ufffd name"
    found = problems(table)
    assert "source line 7 is neither UTF-8 nor cp1252: undecodable bytes replaced" in found
    assert any(p.startswith("mixed encodings: source line 3 is cp1252") for p in found)


@pytest.mark.timeout(30)
def test_vcard_and_ndjson_with_mixed_lines(tmp_path: Path) -> None:
    vcf = tmp_path / "mixed.vcf"
    vcf.write_bytes("BEGIN:VCARD\nVERSION:3.0\nFN:José García\nEND:VCARD\n".encode()
                    + "BEGIN:VCARD\nVERSION:3.0\nFN:Zoë Brontë\nEND:VCARD\n".encode("cp1252")
                    + "BEGIN:VCARD\nVERSION:3.0\nFN:Jürgen Müller\nEND:VCARD\n".encode())
    table = load(vcf)
    assert table.frame["Full Name"].tolist() == ["José García", "Zoë Brontë", "Jürgen Müller"]
    assert [p.split(";")[0] for p in problems(table)] == ["mixed encodings: source line 7 is cp1252, the rest UTF-8"]
    ndjson = tmp_path / "mixed.ndjson"
    ndjson.write_bytes('{"name": "José"}\n'.encode() + '{"name": "Zoë"}\n'.encode("cp1252")
                       + '{"name": "Jürgen"}\n'.encode())
    table = load(ndjson)
    assert table.frame["name"].tolist() == ["José", "Zoë", "Jürgen"]
    assert [p.split(";")[0] for p in problems(table)] == ["mixed encodings: source line 2 is cp1252, the rest UTF-8"]
