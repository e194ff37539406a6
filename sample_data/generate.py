"""Write the messy sample files (fixed seed): python sample_data/generate.py [OUTDIR]."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import sys
from pathlib import Path

SEED = 20261123

FIRST = [
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "William",
    "Elizabeth", "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Charles", "Karen", "Christopher", "Nancy", "Daniel", "Lisa", "Matthew", "Margaret",
    "Anthony", "Sandra", "Steven", "Ashley", "Andrew", "Katherine", "Joshua", "Emily",
    "Jonathan", "Rebecca", "Nicholas", "Samantha", "Alexander", "Olivia", "Priya", "Wei",
    "Carlos", "Sofia", "Ahmed", "Yuki", "Liam", "Chloe", "Mateo", "Aisha"]
LAST = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
    "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "O'Brien", "McDonald", "Van der Berg",
    "Patel", "Kim", "Chen", "Müller", "Dubois", "Rossi", "Kowalski"]
NICK = {
    "Robert": "Bob", "William": "Bill", "Elizabeth": "Liz", "Katherine": "Kate",
    "Michael": "Mike", "James": "Jim", "Jennifer": "Jen", "Richard": "Rick", "Thomas": "Tom",
    "Christopher": "Chris", "Daniel": "Dan", "Margaret": "Peggy", "Joseph": "Joe",
    "Patricia": "Pat", "Anthony": "Tony", "Susan": "Sue", "Charles": "Charlie", "Steven": "Steve",
    "Matthew": "Matt", "Andrew": "Andy", "Jonathan": "Jon", "Alexander": "Alex",
    "Samantha": "Sam", "Nicholas": "Nick", "Rebecca": "Becky", "Joshua": "Josh"}
CITIES = [
    ("San Francisco", "CA", "941", "415"), ("Austin", "TX", "787", "512"),
    ("Chicago", "IL", "606", "312"), ("Seattle", "WA", "981", "206"),
    ("Boston", "MA", "021", "617"), ("Denver", "CO", "802", "303"),
    ("New York", "NY", "100", "212"), ("Portland", "OR", "972", "503"),
    ("Atlanta", "GA", "303", "404"), ("Miami", "FL", "331", "305")]
STREETS = ["Main St", "Oak Ave", "Maple Dr", "Market St", "2nd Ave", "Elm St", "Park Blvd",
           "Cedar Ln", "Lakeview Rd", "Sunset Blvd", "Broadway", "Pine St"]
CO_A = ["Blue", "North", "Summit", "Pioneer", "Bright", "Apex", "Green", "Silver", "Iron",
        "Harbor", "Evergreen", "Granite", "Cedar", "Atlas", "Nova", "Vertex", "Beacon",
        "Crescent", "Orion", "Maple"]
CO_B = ["Logistics", "Software", "Analytics", "Foods", "Dynamics", "Health", "Energy", "Labs",
        "Consulting", "Manufacturing", "Media", "Robotics", "Partners", "Systems", "Outfitters"]
CO_LEGAL = ["Inc.", "LLC", "Ltd", "Corp.", "", "", "Co."]
INDUSTRY = {
    "Logistics": "Logistics and Supply Chain", "Software": "Computer Software",
    "Analytics": "Information Technology and Services", "Foods": "Food & Beverages",
    "Dynamics": "Mechanical or Industrial Engineering", "Health": "Hospital & Health Care",
    "Energy": "Renewables & Environment", "Labs": "Biotechnology",
    "Consulting": "Management Consulting", "Manufacturing": "Machinery", "Media": "Online Media",
    "Robotics": "Industrial Automation", "Partners": "Financial Services",
    "Systems": "Computer Hardware", "Outfitters": "Retail"}
TITLES = ["CEO", "CTO", "VP Sales", "Account Executive", "Office Manager", "Buyer",
          "Head of Marketing", "Software Engineer", "Procurement Lead", "CFO", "Consultant",
          "Operations Manager", "", ""]
DE_FIRST = ["Jürgen", "Jörg", "Günter", "Björn", "Sören", "Hans", "Klaus", "Peter", "Stefan",
            "Andreas", "Ursula", "Monika", "Petra", "Birgit", "Käthe", "Lena", "Anna", "Sophie",
            "Maximilian", "Lukas", "Felix", "Jonas", "Leonie", "Hannah", "Müge", "Dörte"]
DE_LAST = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
           "Schulz", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf",
           "Schröder", "Neumann", "Zimmermann", "Braun", "Krüger", "Hartmann", "Lange", "Köhler",
           "Weiß", "Groß", "Jäger", "Böhm", "Kühn", "Möller", "Günther", "Voß"]
DE_CITIES = [("München", "80331", "Deutschland", "89"), ("Köln", "50667", "Deutschland", "221"),
             ("Düsseldorf", "40213", "Deutschland", "211"), ("Nürnberg", "90402", "DE", "911"),
             ("Würzburg", "97070", "Deutschland", "931"), ("Lübeck", "23552", "Deutschland", "451"),
             ("Hamburg", "20095", "Germany", "40"), ("Berlin", "10115", "Deutschland", "30"),
             ("Wien", "1010", "Österreich", "1"), ("Zürich", "8001", "Schweiz", "44")]
DE_STREETS = ["Hauptstraße", "Bahnhofstraße", "Schloßallee", "Gartenweg", "Lindenstraße",
              "Königsallee", "Friedrichstraße", "Am Mühlbach", "Große Bleiche", "Fürstenweg"]
DE_FIRMS = ["Müller & Söhne GmbH", "Bäckerei Schäfer", "Möbelhaus Köhler KG",
            "Grün Energie AG", "Weiß Logistik GmbH", "Straßenbau Groß GmbH & Co. KG", ""]
STAGES = ["Appointment Scheduled", "Qualified To Buy", "Presentation Scheduled",
          "Decision Maker Bought-In", "Contract Sent", "Closed Won", "Closed Lost"]


def ascii_mail(text: str) -> str:
    """A name as an email local part: umlauts transliterated, spaces and quotes removed."""
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe",
                           "Ü": "Ue", "é": "e", "'": "", " ": ""})
    return text.translate(table).lower()


class People:
    """A pool of fictional people and companies drawn from one seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.all_companies = self._companies(200)
        self.companies = self.all_companies[:60]

    def _companies(self, n: int) -> list[dict[str, object]]:
        out: list[dict[str, object]] = []
        seen: set[str] = set()
        pairs: set[tuple[str, str]] = set()
        while len(out) < n:
            a, b = self.rng.choice(CO_A), self.rng.choice(CO_B)
            if (a, b) in pairs:
                continue
            legal = self.rng.choice(CO_LEGAL)
            domain = f"{a}{b}".lower() + self.rng.choice([".com", ".com", ".io", ".net", ".co"])
            if domain in seen:
                continue
            seen.add(domain)
            pairs.add((a, b))
            city, state, zip3, area = self.rng.choice(CITIES)
            out.append({"a": a, "b": b, "name": f"{a} {b} {legal}".strip(), "domain": domain,
                        "city": city, "state": state, "zip": zip3 + f"{self.rng.randint(0, 99):02d}",
                        "area": area, "street": self._street()})
        return out

    def _street(self) -> str:
        return f"{self.rng.randint(1, 9999)} {self.rng.choice(STREETS)}"

    def phone(self, area: str) -> str:
        """A US number in one of many spellings (extensions, international, dotted...)."""
        rng = self.rng
        mid, end = rng.randint(200, 999), rng.randint(0, 9999)
        forms = [
            f"({area}) {mid}-{end:04d}", f"{area}.{mid}.{end:04d}", f"+1 {area} {mid} {end:04d}",
            f"{area}-{mid}-{end:04d} x{rng.randint(10, 999)}", f"+1-{area}-{mid}-{end:04d}",
            f"1{area}{mid}{end:04d}", f"{area} {mid} {end:04d} ext. {rng.randint(1, 99)}",
            f"{mid}-{end:04d}", f"+44 20 7946 {rng.randint(0, 9999):04d}",
            f"+49 30 {rng.randint(1000000, 9999999)}", "n/a",
        ]
        weights = [20, 10, 12, 6, 6, 4, 4, 3, 3, 3, 2]
        return rng.choices(forms, weights)[0]

    def person(self) -> dict[str, str]:
        """One fictional US-ish contact."""
        rng = self.rng
        first, last = rng.choice(FIRST), rng.choice(LAST)
        company = rng.choice(self.companies)
        style = rng.random()
        local = ascii_mail(f"{first}.{last}") if style < 0.6 else ascii_mail(first[0] + last)
        domain = str(company["domain"]) if rng.random() < 0.7 else rng.choice(
            ["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com"])
        email = f"{local}@{domain}"
        if rng.random() < 0.06:
            email = rng.choice([f"{local}@", f"{local}(at){domain}", f"{local}@{domain.split('.')[0]}",
                                f"{local}@@{domain}", f"{local} @{domain}", f"{local}@{domain}."])
        birthday = dt.date(rng.randint(1955, 2002), rng.randint(1, 12), rng.randint(1, 28))
        city, state, zip3, area = rng.choice(CITIES)
        return {
            "first": first, "last": last, "middle": rng.choice(["", "", "", "A.", "J.", "Marie"]),
            "email": email, "phone": self.phone(str(company["area"])),
            "mobile": self.phone(area) if rng.random() < 0.6 else "",
            "home": self.phone(area) if rng.random() < 0.2 else "",
            "company": str(company["name"]), "title": rng.choice(TITLES),
            "street": str(company["street"]), "city": str(company["city"]),
            "state": str(company["state"]), "zip": str(company["zip"]), "country": rng.choice(
                ["United States", "USA", "US", "United States of America", ""]),
            "home_street": self._street(), "home_city": city, "home_state": state,
            "home_zip": zip3 + f"{rng.randint(0, 99):02d}", "birthday": birthday.isoformat(),
            "domain": str(company["domain"]),
        }

    def messy(self, p: dict[str, str]) -> dict[str, str]:
        """Shout some names, pad some values with stray whitespace."""
        rng = self.rng
        q = dict(p)
        roll = rng.random()
        if roll < 0.05:
            q["first"], q["last"] = q["first"].upper(), q["last"].upper()
        elif roll < 0.10:
            q["first"] = f" {q['first']}  "
            q["company"] = q["company"] + "  "
        elif roll < 0.13:
            q["first"], q["last"] = q["first"].lower(), q["last"].lower()
        return q

    def with_duplicates(self, people: list[dict[str, str]], case_dupes: int, nick_dupes: int,
                        typo_dupes: int) -> list[dict[str, str]]:
        """The list plus exact-email dupes (other casing), nickname dupes and typo dupes."""
        rng = self.rng
        out = list(people)
        picks = rng.sample(range(len(people)), case_dupes + nick_dupes + typo_dupes)
        for i in picks[:case_dupes]:
            q = dict(people[i])
            q["email"] = q["email"].upper() if rng.random() < 0.5 else q["email"].title()
            q["phone"] = self.phone(q["phone"][1:4] if q["phone"].startswith("(") else "415")
            out.insert(rng.randint(0, len(out)), q)
        for i in picks[case_dupes : case_dupes + nick_dupes]:
            q = dict(people[i])
            q["first"] = NICK.get(q["first"], q["first"][:3])
            q["email"] = ""
            out.insert(rng.randint(0, len(out)), q)
        for i in picks[case_dupes + nick_dupes :]:
            q = dict(people[i])
            last = q["last"]
            if len(last) > 3:
                j = rng.randint(1, len(last) - 2)
                last = last[:j] + last[j + 1] + last[j] + last[j + 2 :]
            q["last"] = last
            q["email"] = ""
            out.insert(rng.randint(0, len(out)), q)
        return out


def csv_text(rows: list[list[str]], delimiter: str = ",", newline: str = "\r\n") -> str:
    """Rows as CSV text (minimal quoting)."""
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return buf.getvalue()


OUTLOOK_HEADER = (
    "Title,First Name,Middle Name,Last Name,Suffix,Company,Department,Job Title,Business Street,"
    "Business Street 2,Business Street 3,Business City,Business State,Business Postal Code,"
    "Business Country/Region,Home Street,Home Street 2,Home Street 3,Home City,Home State,"
    "Home Postal Code,Home Country/Region,Other Street,Other Street 2,Other Street 3,Other City,"
    "Other State,Other Postal Code,Other Country/Region,Assistant's Phone,Business Fax,"
    "Business Phone,Business Phone 2,Callback,Car Phone,Company Main Phone,Home Fax,Home Phone,"
    "Home Phone 2,ISDN,Mobile Phone,Other Fax,Other Phone,Pager,Primary Phone,Radio Phone,"
    "TTY/TDD Phone,Telex,Account,Anniversary,Assistant's Name,Billing Information,Birthday,"
    "Business Address PO Box,Categories,Children,Directory Server,E-mail Address,E-mail Type,"
    "E-mail Display Name,E-mail 2 Address,E-mail 2 Type,E-mail 2 Display Name,E-mail 3 Address,"
    "E-mail 3 Type,E-mail 3 Display Name,Gender,Government ID Number,Hobby,Home Address PO Box,"
    "Initials,Internet Free Busy,Keywords,Language,Location,Manager's Name,Mileage,Notes,"
    "Office Location,Organizational ID Number,Other Address PO Box,Priority,Private,Profession,"
    "Referred By,Sensitivity,Spouse,User 1,User 2,User 3,User 4,Web Page"
).split(",")

OUTLOOK_ROWS = 200 + 8 + 6 + 4  # base + email-case dupes + nickname dupes + typo dupes


def outlook(pool: People, out: Path) -> None:
    """outlook_contacts.csv: Outlook desktop export, UTF-8 with BOM, comma, CRLF."""
    rng = pool.rng
    people = pool.with_duplicates([pool.person() for _ in range(200)], 8, 6, 4)
    rows = [OUTLOOK_HEADER]
    for p in people:
        p = pool.messy(p)
        row = dict.fromkeys(OUTLOOK_HEADER, "")
        b = dt.date.fromisoformat(p["birthday"])
        display = (f"{p['last'].strip()}, {p['first'].strip()}" if rng.random() < 0.4
                   else f"{p['first'].strip()} {p['last'].strip()}")
        row.update({
            "First Name": p["first"], "Middle Name": p["middle"], "Last Name": p["last"],
            "Company": p["company"], "Job Title": p["title"], "Business Street": p["street"],
            "Business City": p["city"], "Business State": p["state"],
            "Business Postal Code": p["zip"], "Business Country/Region": p["country"],
            "Home Street": p["home_street"] if p["home"] else "",
            "Home City": p["home_city"] if p["home"] else "",
            "Business Phone": p["phone"], "Mobile Phone": p["mobile"], "Home Phone": p["home"],
            "Birthday": f"{b.month}/{b.day}/{b.year}" if rng.random() < 0.5 else "0/0/00",
            "Anniversary": "0/0/00", "Categories": rng.choice(["", "", "Customers", "VIP;Customers",
                                                              "Suppliers"]),
            "E-mail Address": p["email"], "E-mail Type": "SMTP" if p["email"] else "",
            "E-mail Display Name": f"{display} ({p['email']})" if p["email"] else "",
            "Gender": "Unspecified", "Priority": "Normal", "Private": "False",
            "Sensitivity": "Normal", "Web Page": f"www.{p['domain']}" if rng.random() < 0.3 else "",
            "Notes": rng.choice(["", "", "", "Met at SaaStr 2025", "Prefers email.\r\nNo calls "
                                 "before 10am", 'Said "call me back" in Q3', "Referred by, J. Doe"]),
        })
        rows.append([row[h] for h in OUTLOOK_HEADER])
    assert len(rows) - 1 == OUTLOOK_ROWS
    (out / "outlook_contacts.csv").write_bytes(csv_text(rows).encode("utf-8-sig"))


GOOGLE_HEADER = [
    "First Name", "Middle Name", "Last Name", "Phonetic First Name", "Phonetic Middle Name",
    "Phonetic Last Name", "Name Prefix", "Name Suffix", "Nickname", "File As",
    "Organization Name", "Organization Title", "Organization Department", "Birthday", "Notes",
    "Photo", "Labels", "E-mail 1 - Label", "E-mail 1 - Value", "E-mail 2 - Label",
    "E-mail 2 - Value", "Phone 1 - Label", "Phone 1 - Value", "Phone 2 - Label",
    "Phone 2 - Value", "Address 1 - Label", "Address 1 - Formatted", "Address 1 - Street",
    "Address 1 - City", "Address 1 - PO Box", "Address 1 - Region", "Address 1 - Postal Code",
    "Address 1 - Country", "Address 1 - Extended Address", "Website 1 - Label",
    "Website 1 - Value"]
GOOGLE_ROWS = 120 + 4 + 3


def google(pool: People, out: Path) -> None:
    """google_contacts.csv: Google CSV with ' ::: ' multi-values, UTF-8 (no BOM), LF."""
    rng = pool.rng
    people = pool.with_duplicates([pool.person() for _ in range(120)], 4, 3, 0)
    rows = [GOOGLE_HEADER]
    for p in people:
        p = pool.messy(p)
        row = dict.fromkeys(GOOGLE_HEADER, "")
        email1 = p["email"]
        if email1 and rng.random() < 0.15:
            email1 = f"{email1} ::: {ascii_mail(p['first'])}{rng.randint(1, 99)}@gmail.com"
        row.update({
            "First Name": p["first"], "Middle Name": p["middle"], "Last Name": p["last"],
            "File As": f"{p['last'].strip()}, {p['first'].strip()}" if rng.random() < 0.3 else "",
            "Organization Name": p["company"], "Organization Title": p["title"],
            "Birthday": p["birthday"] if rng.random() < 0.3 else "",
            "Labels": rng.choice(["* myContacts", "* myContacts ::: Coworkers",
                                  "* myContacts ::: Customers ::: VIP"]),
            "E-mail 1 - Label": "* Work" if email1 else "", "E-mail 1 - Value": email1,
            "Phone 1 - Label": "Work", "Phone 1 - Value": p["phone"],
            "Phone 2 - Label": "Mobile" if p["mobile"] else "", "Phone 2 - Value": p["mobile"],
            "Address 1 - Label": "Work",
            "Address 1 - Formatted": f"{p['street']}\n{p['city']}, {p['state']} {p['zip']}",
            "Address 1 - Street": p["street"], "Address 1 - City": p["city"],
            "Address 1 - Region": p["state"], "Address 1 - Postal Code": p["zip"],
            "Address 1 - Country": p["country"],
            "Website 1 - Label": "Work" if rng.random() < 0.3 else "",
        })
        if row["Website 1 - Label"]:
            row["Website 1 - Value"] = f"https://{p['domain']}"
        rows.append([row[h] for h in GOOGLE_HEADER])
    assert len(rows) - 1 == GOOGLE_ROWS
    (out / "google_contacts.csv").write_bytes(csv_text(rows, newline="\n").encode("utf-8"))


CUSTOMERS_HEADER = ["Cust. No", "Name", "E-mail", "Phone", "Mobile", "Company", "Street", "City",
                    "State", "ZIP", "Country", "Birthday", "Customer since", "Status", "Notes"]
CUSTOMERS_HEADER_ROW = 3  # 0-based: two title lines and a blank row above it
CUSTOMERS_ROWS = 180 + 5 + 3 + 3


def customers(pool: People, out: Path) -> None:
    """customers.xlsx: a 'Notes' sheet, then 'Customers' with a title block and a footer."""
    import openpyxl

    rng = pool.rng
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Notes"
    for line in ["About this workbook", "Maintained by the sales office; do not sort the "
                 "Customers sheet.", "Last cleanup: never", "", "Cust. No is our internal id."]:
        notes.append([line])
    sheet = book.create_sheet("Customers")
    sheet.append(["ACME Corp — Customer list"])
    sheet.append(["Exported 2026-11-01 by admin"])
    sheet.append([])
    sheet.append(CUSTOMERS_HEADER)
    people = pool.with_duplicates([pool.person() for _ in range(180)], 5, 3, 3)
    blank_after = set(rng.sample(range(20, len(people) - 20), 2))
    for n, p in enumerate(people, start=1):
        p = pool.messy(p)
        roll = rng.random()
        if roll < 0.25:
            name = f"{p['last'].strip()}, {p['first'].strip()}"
        elif roll < 0.30:
            name = f"{p['last'].strip().upper()}, {p['first'].strip()}"
        else:
            name = f"{p['first']} {p['last']}"
        phone: object = p["phone"]
        if rng.random() < 0.1:
            phone = int("1" + str(rng.randint(2000000000, 9999999999))[:10])
        birthday = dt.date.fromisoformat(p["birthday"]) if rng.random() < 0.7 else None
        since = dt.datetime(2015, 1, 1) + dt.timedelta(days=rng.randint(0, 3500),
                                                      minutes=rng.choice([0, 0, 615, 1000]))
        zip_code: object = int(p["zip"]) if rng.random() < 0.6 else p["zip"]
        sheet.append([
            1000 + n, name, p["email"], phone, p["mobile"], p["company"], p["street"], p["city"],
            p["state"], zip_code, p["country"], birthday, since,
            rng.choice(["active", "Active", "inactive", "lead", ""]),
            rng.choice(["", "", "", "Key account", "Call before visiting", "=do not email"]),
        ])
        for cell in (sheet.cell(sheet.max_row, 12), sheet.cell(sheet.max_row, 13)):
            cell.number_format = "dd/mm/yyyy" if cell.column == 12 else "yyyy-mm-dd hh:mm"
        if n in blank_after:
            sheet.append([])
    sheet.append([])
    sheet.append(["Generated by CustomerDB 4.2 — © 2026 ACME Corp"])
    book.properties.creator = "CustomerDB"
    book.save(out / "customers.xlsx")


ERP_HEADER = ["Kundennr", "Nachname", "Vorname", "E-Mail", "Telefon", "Firma", "Straße", "PLZ",
              "Ort", "Land", "Geburtsdatum", "Umsatz 2025"]
ERP_ROWS = 150 + 4 + 2


def _de_phone(rng: random.Random, area: str) -> str:
    number = rng.randint(100000, 9999999)
    return rng.choice([
        f"+49 {area} {number}", f"0{area} {number}", f"0049 (0){area}-{number}",
        f"0{area}/{number}", f"+49 (0) {area} {number}-{rng.randint(0, 99)}",
        f"017{rng.randint(0, 9)}/{rng.randint(1000000, 9999999)}", f"+43 1 {number}",
        f"+41 44 {str(number)[:3]} {str(number)[3:5]} {str(number)[5:7]}",
    ])


def erp(pool: People, out: Path) -> None:
    """erp_export.csv: cp1252, semicolons, dd.mm.yyyy dates, German headers, CRLF."""
    rng = pool.rng
    people: list[dict[str, str]] = []
    for _ in range(150):
        first, last = rng.choice(DE_FIRST), rng.choice(DE_LAST)
        city, plz, country, area = rng.choice(DE_CITIES)
        firm = rng.choice(DE_FIRMS)
        domain = rng.choice(["web.de", "gmx.de", "t-online.de", "firma.de", "posteo.de"])
        email = f"{ascii_mail(first)}.{ascii_mail(last)}@{domain}"
        if rng.random() < 0.06:
            email = rng.choice([f"{ascii_mail(last)}@@{domain}", f"{ascii_mail(first)}@mueller",
                                f"{first.lower()}.{last.lower()}@{domain}", "keine"])
        born = dt.date(rng.randint(1950, 2000), rng.randint(1, 12), rng.randint(1, 28))
        people.append({
            "first": first, "last": last, "email": email, "phone": _de_phone(rng, area),
            "company": firm, "street": f"{rng.choice(DE_STREETS)} {rng.randint(1, 120)}"
            + rng.choice(["", "", "a", "b"]), "zip": plz, "city": city, "country": country,
            "birthday": born.strftime("%d.%m.%Y") if rng.random() < 0.8 else "",
            "revenue": f"{rng.randint(0, 250000):,}".replace(",", ".") + f",{rng.randint(0, 99):02d}"
            + rng.choice(["", "", " €"]),
        })
    people = pool.with_duplicates(people, 4, 0, 2)
    lines = [";".join(ERP_HEADER)]
    blank_after = set(rng.sample(range(10, len(people) - 10), 3))
    for n, p in enumerate(people, start=1):
        last, first = p["last"], p["first"]
        roll = rng.random()
        if roll < 0.04:
            last, first = f"{last}, {first}", ""
        elif roll < 0.08:
            last, first = last.upper(), first.upper()
        row = [str(10000 + n), last, first, p["email"], p["phone"], p["company"], p["street"],
               p["zip"], p["city"], p["country"], p["birthday"], p["revenue"]]
        lines.append(csv_text([row], delimiter=";").rstrip("\r\n"))
        if n in blank_after:
            lines.append("")
    text = "\r\n".join(lines) + "\r\n"
    (out / "erp_export.csv").write_bytes(text.encode("cp1252"))


def _fold(line: str) -> str:
    """Fold a content line at 75 characters (CRLF + space)."""
    parts = [line[:75]]
    rest = line[75:]
    while rest:
        parts.append(" " + rest[:74])
        rest = rest[74:]
    return "\r\n".join(parts)


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


VCARD_COUNT = 120 + 25 + 5 + 4


def vcards(pool: People, out: Path) -> None:
    """contacts.vcf: Apple-style vCard 3.0, some 4.0 and 2.1 (quoted-printable), folded lines."""
    import quopri

    rng = pool.rng
    people = pool.with_duplicates([pool.person() for _ in range(150)], 2, 1, 1)
    cards: list[str] = []
    for n, p in enumerate(people):
        p = pool.messy(p)
        first, last = p["first"].strip(), p["last"].strip()
        version = "4.0" if n % 6 == 5 else "2.1" if n % 31 == 30 else "3.0"
        lines = ["BEGIN:VCARD", f"VERSION:{version}"]
        if version == "3.0":
            lines += ["PRODID:-//Apple Inc.//iPhone OS 17.4//EN",
                      f"N:{_esc(last)};{_esc(first)};{_esc(p['middle'])};;",
                      f"FN:{_esc(first)} {_esc(last)}",
                      f"ORG:{_esc(p['company'])};" + rng.choice(["", "Sales", "R&D"])]
            if p["title"]:
                lines.append(f"TITLE:{_esc(p['title'])}")
            if p["email"]:
                lines.append(f"EMAIL;type=INTERNET;type=WORK;type=pref:{p['email']}")
            if rng.random() < 0.3:
                lines.append(f"EMAIL;type=INTERNET;type=HOME:{ascii_mail(first)}"
                             f"{rng.randint(1, 99)}@gmail.com")
            lines.append(f"TEL;type=WORK;type=VOICE;type=pref:{p['phone']}")
            if p["mobile"]:
                lines.append(f"TEL;type=CELL;type=VOICE:{p['mobile']}")
            if rng.random() < 0.15:
                lines.append(f"TEL;type=IPHONE;type=CELL;type=VOICE:{pool.phone('415')}")
            lines.append(f"item1.ADR;type=WORK;type=pref:;;{_esc(p['street'])};{_esc(p['city'])};"
                         f"{p['state']};{p['zip']};{_esc(p['country'] or 'United States')}")
            lines.append("item1.X-ABADR:us")
            if rng.random() < 0.3:
                lines.append(f"item2.URL;type=pref:https://www.{p['domain']}")
                lines.append("item2.X-ABLabel:_$!<HomePage>!$_")
            if rng.random() < 0.2:
                lines.append(f"item3.EMAIL;type=INTERNET:{ascii_mail(last)}@example.org")
                lines.append("item3.X-ABLabel:_$!<Other>!$_")
            if rng.random() < 0.5:
                lines.append(f"BDAY;value=date:{p['birthday']}")
            if rng.random() < 0.25:
                lines.append("NOTE:" + _esc(f"Met {first} at the {p['city']} trade fair; "
                                            "interested in the premium plan, follow up after "
                                            "the budget meeting.\nAssistant: call first."))
            lines.append(f"X-ABUID:{rng.getrandbits(64):016X}:ABPerson")
        elif version == "4.0":
            lines += [f"FN:{_esc(first)} {_esc(last)}", f"N:{_esc(last)};{_esc(first)};;;",
                      f"ORG:{_esc(p['company'])}"]
            if p["email"]:
                lines.append(f"EMAIL;TYPE=work,pref:{p['email']}")
            lines.append(f'TEL;VALUE=uri;TYPE="voice,work":tel:{p["phone"]}')
            if p["mobile"]:
                lines.append(f"TEL;TYPE=cell:{p['mobile']}")
            lines.append(f"ADR;TYPE=work:;;{_esc(p['street'])};{_esc(p['city'])};{p['state']};"
                         f"{p['zip']};USA")
            lines.append(f"BDAY:{p['birthday'].replace('-', '')}")
        else:
            qp = quopri.encodestring(f"{last};{first}".encode()).decode().replace("=\n", "")
            lines += [f"N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:{qp};;;",
                      f"FN:{first} {last}", f"TEL;WORK;VOICE:{p['phone']}"]
            if p["email"]:
                lines.append(f"EMAIL;INTERNET:{p['email']}")
            lines.append("NOTE;ENCODING=QUOTED-PRINTABLE:Imported from old phone=0D=0A=")
            lines.append("Second line")
        lines.append("END:VCARD")
        cards.append("\r\n".join(_fold(ln) for ln in lines))
    assert len(cards) == VCARD_COUNT
    (out / "contacts.vcf").write_bytes(("\r\n".join(cards) + "\r\n").encode("utf-8"))


COMPANIES_HEADER = ["Company", "Website", "Phone", "Street", "City", "State", "Postal Code",
                    "Country", "Industry", "Employees", "Annual Revenue", "Founded"]
COMPANIES_ROWS = 200 + 6


def companies(pool: People, out: Path) -> None:
    """companies.xlsx: one 'Companies' sheet, header on row 0, numbers and dates as cells."""
    import openpyxl

    rng = pool.rng
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Companies"
    sheet.append(COMPANIES_HEADER)
    rows = list(pool.all_companies)
    for c in rng.sample(rows, 6):
        twin = dict(c)
        twin["name"] = rng.choice([str(c["name"]).upper(), f"{c['a']} {c['b']}",
                                   f"{c['a']}{c['b']} Inc"])
        rows.insert(rng.randint(0, len(rows)), twin)
    for c in rows:
        domain = str(c["domain"])
        website = rng.choice([f"https://www.{domain}", f"www.{domain}/", domain,
                              f"http://{domain}/about", f"https://{domain}", ""])
        employees: object = rng.choice([rng.randint(2, 50), rng.randint(50, 500),
                                        rng.randint(500, 20000), "50-100", "", "approx. 200"])
        revenue: object = rng.choice([round(rng.uniform(1e5, 5e8), 2), rng.randint(1, 900) * 10000,
                                      f"${rng.randint(1, 99)}.{rng.randint(0, 9)}M", ""])
        founded = dt.date(rng.randint(1950, 2022), rng.randint(1, 12), 1) if rng.random() < 0.7 \
            else None
        sheet.append([
            c["name"], website, pool.phone(str(c["area"])), c["street"], c["city"], c["state"],
            c["zip"], rng.choice(["United States", "US", "USA"]), INDUSTRY[str(c["b"])],
            employees, revenue, founded,
        ])
    assert sheet.max_row - 1 == COMPANIES_ROWS
    book.save(out / "companies.xlsx")


DEALS_HEADER = ["Deal Name", "Amount", "Close Date", "Stage", "Pipeline", "Deal Owner", "Company",
                "Contact Email", "Probability"]
DEALS_ROWS = 250


def deals(pool: People, out: Path) -> None:
    """deals.csv: UTF-8, comma, LF, currency-formatted amounts, mixed dates, blank lines."""
    rng = pool.rng
    owners = ["Dana Whitfield", "Marco Bellini", "Sam Okafor", "Priya Raman"]
    lines = [",".join(DEALS_HEADER)]
    blank_after = set(rng.sample(range(5, DEALS_ROWS - 5), 4))
    for n in range(1, DEALS_ROWS + 1):
        c = rng.choice(pool.companies)
        p = pool.person()
        value = rng.randint(5, 2000) * 50
        amount = rng.choice([f"${value:,.2f}", str(value), f"{value:,}", f"USD {value:,}",
                             f"€{value:,.2f}".replace(",", "X").replace(".", ",").replace("X", "."),
                             f"{value / 1000:g}k", ""])
        close = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 700))
        date = rng.choice([close.isoformat(), close.strftime("%m/%d/%Y"),
                           close.strftime("%d.%m.%Y"), close.strftime("%b %d, %Y"), ""])
        stage = rng.choice(STAGES)
        name = f"{c['name']} - " + rng.choice(["Renewal", "New Business", "Upsell",
                                                 "Pilot", "Expansion, Phase 2"])
        row = [name, amount, date, stage if rng.random() > 0.05 else stage.lower(),
               rng.choice(["Sales Pipeline", "Sales Pipeline", "Renewals", "default"]),
               rng.choice(owners), str(c["name"]), p["email"],
               {"Closed Won": "100%", "Closed Lost": "0%"}.get(stage, f"{rng.randint(1, 9)}0%")]
        lines.append(csv_text([row], newline="\n").rstrip("\n"))
        if n in blank_after:
            lines.append("")
    (out / "deals.csv").write_bytes(("\n".join(lines) + "\n").encode("utf-8"))


def main(argv: list[str]) -> None:
    """Write every sample file into OUTDIR (default: this script's folder)."""
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    pool = People(random.Random(SEED))
    for make in (outlook, customers, erp, vcards, companies, deals, google):
        make(pool, out)
    for f in sorted(out.iterdir()):
        if f.suffix != ".py":
            print(f"{f.name:24} {f.stat().st_size:>8} bytes")


if __name__ == "__main__":
    main(sys.argv)
