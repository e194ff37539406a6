"""Encodings beyond cp1252/UTF-8: Central European, Cyrillic and Japanese files decode right."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm_migrate.sources import load
from crm_migrate.sources.encoding import detect_encoding

DATA = Path(__file__).resolve().parent.parent / "data" / "sources"


@pytest.mark.parametrize(
    ("name", "encoding", "header", "cell"),
    [
        ("czech_cp1250.csv", "cp1250", ["Jméno", "Příjmení", "Město", "Poznámka"], "Dvořák"),
        ("central_cp1250.csv", "cp1250", ["Imię", "Nazwisko", "Miasto", "Ulica"], "Wiśniewski"),
        ("central_iso8859_2.csv", "iso8859-2", ["Jméno", "Příjmení", "Město", "Ulice"], "Novák"),
        ("cyrillic_cp1251.csv", "cp1251", ["Имя", "Фамилия", "Город", "Телефон"], "Смирнов"),
        ("japanese_shift_jis.csv", "cp932", ["氏名", "会社名", "住所", "電話番号"], "株式会社サンプル"),
    ],
)
def test_files_written_in_other_codepages_decode_right(name: str, encoding: str, header: list[str], cell: str) -> None:
    table = load(DATA / name)
    assert table.detection.encoding == encoding
    assert list(table.frame.columns) == header
    assert cell in table.frame.iloc[0].tolist()
    assert not table.frame.apply(lambda col: col.str.contains("[\ufffd©±¶ø]", regex=True)).any().any()


@pytest.mark.parametrize(
    "text",
    [
        "Name;Straße;Ort\nJörg Müller;Hauptstraße 5;Köln\nÄnne Weiß;Am Öhrchen 2;Fürth\n",
        "Prénom;Nom;Ville\nHélène;Thérèse;Besançon\nFrançois;Lefèvre;Orléans\n",
        "Nombre;Apellido;Ciudad\nMaría;Núñez;Logroño\nJosé;Ibáñez;Cádiz\n",
        "Nome;Cognome;Città\nNiccolò;Lucà;Forlì\nJoão;Conceição;São Paulo\n",
        "Navn;By\nSøren Kierkegaard;København\nÅse Ærø;Århus\n",
    ],
)
def test_western_files_stay_cp1252(text: str) -> None:
    assert detect_encoding(text.encode("cp1252"), "x.csv").name == "cp1252"
