"""Website URLs and company domains (from a website, or from a non-free-mail email address)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from crm_migrate.clean.emails import email_domain
from crm_migrate.clean.result import NormalizeResult, as_text, map_distinct

if TYPE_CHECKING:
    import pandas as pd

FREE_MAIL_DOMAINS = frozenset("""
gmail.com googlemail.com yahoo.com yahoo.co.uk yahoo.de yahoo.fr yahoo.es yahoo.it yahoo.ca
yahoo.com.au yahoo.co.in yahoo.co.jp ymail.com rocketmail.com hotmail.com hotmail.co.uk hotmail.de
hotmail.fr hotmail.es hotmail.it outlook.com outlook.de outlook.fr live.com live.de live.co.uk
live.fr msn.com passport.com windowslive.com aol.com aol.de aim.com icloud.com me.com mac.com
gmx.de gmx.net gmx.at gmx.ch gmx.com web.de t-online.de freenet.de arcor.de posteo.de mailbox.org
online.de 1und1.de protonmail.com proton.me pm.me tutanota.com tutanota.de tuta.io zoho.com
zohomail.com yandex.com yandex.ru mail.ru bk.ru inbox.ru list.ru rambler.ru qq.com 163.com
126.com sina.com sohu.com naver.com hanmail.net daum.net orange.fr wanadoo.fr free.fr sfr.fr
laposte.net neuf.fr libero.it virgilio.it tiscali.it alice.it bluewin.ch hispeed.ch
comcast.net verizon.net att.net sbcglobal.net bellsouth.net cox.net charter.net earthlink.net
juno.com optonline.net btinternet.com sky.com virginmedia.com ntlworld.com talktalk.net
blueyonder.co.uk shaw.ca rogers.com sympatico.ca bigpond.com optusnet.com.au telstra.com
seznam.cz wp.pl o2.pl onet.pl interia.pl hey.com fastmail.com fastmail.fm hushmail.com
mail.com email.com usa.com gmx.us lycos.com rediffmail.com
""".split())
_HOST = re.compile(r"^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9\-]{1,62}$")


def _split_url(text: str) -> tuple[str, str, str]:
    """(scheme, host, rest) of a URL-ish cell, host lower-cased without user/port."""
    text = text.strip().strip("<>\"'").strip()
    scheme = "https"
    match = re.match(r"^([a-z][a-z0-9+.\-]*)://", text, re.I)
    if match:
        scheme = match.group(1).lower()
        text = text[match.end():]
    cut = re.search(r"[/?#]", text)
    host, rest = (text[: cut.start()], text[cut.start():]) if cut else (text, "")
    host = host.rpartition("@")[2].split(":")[0].strip(".").lower()
    return scheme, host, rest


def _host_ok(host: str) -> bool:
    if _HOST.match(host):
        return True
    try:
        return bool(_HOST.match(host.encode("idna").decode("ascii")))
    except UnicodeError:
        return False


def normalize_website(value: str) -> tuple[str, str]:
    """One cell -> (https://host/path with lower-case host, problem)."""
    text = value.strip()
    if not text:
        return "", ""
    if " " in text.strip() or "@" in text.split("/")[0] and "://" not in text:
        return "", "not a website address"
    scheme, host, rest = _split_url(text)
    if scheme not in ("http", "https") or not _host_ok(host):
        return "", "not a website address"
    rest = "" if rest in ("/", "") else rest
    return f"{scheme}://{host}{rest}", ""


def domain_from_website(value: str) -> str:
    """The bare domain of a website ("https://www.Acme.com/about" -> "acme.com"), "" when none."""
    if not value.strip():
        return ""
    _, host, _ = _split_url(value)
    host = host[4:] if host.startswith("www.") else host
    return host if _host_ok(host) else ""


def domain_from_email(address: str) -> str:
    """The domain of an email address unless it is a free-mail provider's ("" then)."""
    domain = email_domain(address)
    if not domain or domain in FREE_MAIL_DOMAINS or not _host_ok(domain):
        return ""
    return domain


def normalize_websites(values: pd.Series) -> NormalizeResult:
    """Website cells to `https://host/path`; unusable ones blanked and reported."""
    out = map_distinct(values, normalize_website)
    return NormalizeResult(out["values"], out["problems"])


def normalize_domains(values: pd.Series) -> NormalizeResult:
    """Domain cells (a bare domain or a URL) to a lower-case domain without www."""

    def one(value: str) -> tuple[str, str]:
        if not value.strip():
            return "", ""
        domain = domain_from_website(value.rpartition("@")[2] if "@" in value and "/" not in value else value)
        return (domain, "") if domain else ("", "not a domain name")

    out = map_distinct(values, one)
    return NormalizeResult(out["values"], out["problems"])


def domains_from_websites(values: pd.Series) -> pd.Series:
    """domain_from_website over a column, once per distinct value."""
    return map_distinct(as_text(values), lambda v: (domain_from_website(v),), names=("d",))["d"]


def domains_from_emails(values: pd.Series) -> pd.Series:
    """domain_from_email over a column (free-mail domains give "")."""
    return map_distinct(as_text(values), lambda v: (domain_from_email(v),), names=("d",))["d"]
