"""Header synonyms per target field, from real exports and six languages.

Phrases are written as they appear in files and normalised with `tokens_of`, so
"E-Mail", "e_mail" and "EMail" all match "email". A phrase may carry a weight
after "|" (1.0 when absent) for names that usually mean the field but not always.
Pseudo-fields: `_ignore` (ids, notes, owners, types...), `_fullname` (a person's
whole name: split or left out by context), `_title` (job title or salutation by
values), `_csz` ("City, ST 12345" composite).
"""

from __future__ import annotations

from functools import lru_cache

from crm_migrate.mapping.headers import tokens_of

PERSON: dict[str, list[str]] = {
    "email": [
        "email", "email address", "emailaddress", "primary email", "email 1", "email value",
        "work email", "business email", "emailadresse", "e-mail-adresse", "mailadresse",
        "courriel", "adresse email", "adresse e-mail", "adresse courriel", "adresse électronique",
        "mail", "correo", "correo electrónico", "correo electronico", "dirección de correo",
        "direccion de correo electronico", "email personal", "posta elettronica", "indirizzo email",
        "indirizzo e-mail", "endereço de email", "endereço de e-mail", "correio eletrónico",
        "correio eletrônico", "e-mailadres", "emailadres", "mailadres", "email id",
        "email (work)", "email (internet)", "email (pref)", "email (home)|0.9",
        "contact email", "contact e-mail", "person email", "e-mail 1 address",
    ],
    "firstname": [
        "first name", "firstname", "first", "given name", "given", "forename", "fname",
        "first_name", "christian name", "contact first name", "vorname", "rufname", "prénom",
        "prenom", "nombre", "nombre de pila", "nome", "nome proprio", "primeiro nome",
        "voornaam", "roepnaam", "person first name",
    ],
    "lastname": [
        "last name", "lastname", "last", "surname", "family name", "family", "lname",
        "last_name", "contact last name", "nachname", "familienname", "zuname", "nom",
        "nom de famille", "apellido", "apellidos", "primer apellido", "cognome", "sobrenome",
        "apelido", "apelidos", "último nome", "achternaam", "familienaam", "person last name",
    ],
    "_fullname": [
        "name", "full name", "fullname", "contact", "contact name", "contact person", "person",
        "display name", "kontakt", "ansprechpartner", "ansprechperson", "kontaktperson",
        "vollständiger name", "name vorname", "nom complet", "nom et prénom", "nom prénom",
        "nombre completo", "nombre y apellidos", "contacto", "nome completo", "nome e cognome",
        "referente", "contatto", "naam", "volledige naam", "contactpersoon", "formatted name",
        "fn", "person name", "client", "customer name", "kunde", "cliente", "klant",
    ],
    "_title": ["title", "titel", "titre", "título", "titolo", "titulo", "anrede", "salutation"],
    "phone": [
        "phone", "phone number", "telephone", "telephone number", "tel", "tel number", "phone no",
        "business phone", "work phone", "office phone", "primary phone", "direct phone",
        "direct dial", "landline", "phone (work)", "phone (voice)", "phone (pref)",
        "telefon", "telefonnummer", "rufnummer", "fon", "festnetz", "telefon geschäftlich",
        "téléphone", "numéro de téléphone", "tél", "tél bureau", "fixe", "téléphone fixe",
        "teléfono", "telefono", "número de teléfono", "teléfono fijo", "numero di telefono",
        "telefono fisso", "telefone", "número de telefone", "telefone fixo", "telefoon",
        "telefoonnummer", "vaste telefoon", "home phone|0.9", "phone (home)|0.9",
        "contact phone", "phone number (work)",
    ],
    "mobilephone": [
        "mobile", "mobile phone", "mobilephone", "mobile number", "mobile phone number",
        "cell", "cell phone", "cellphone", "cell number", "cellular", "phone (cell)",
        "phone (mobile)", "phone mobile", "mobile (work)", "handy", "handynummer", "mobil",
        "mobiltelefon", "mobilnummer", "portable", "téléphone portable", "tél portable",
        "mobile perso", "numéro de portable", "gsm", "móvil", "movil", "teléfono móvil",
        "celular", "cellulare", "telefono cellulare", "cell", "telemóvel", "telemovel",
        "telefone celular", "mobiel", "mobiel nummer", "mobiele telefoon", "mobielnummer",
        "06 nummer",
    ],
    "company": [
        "company", "company name", "organization", "organisation", "organization name",
        "organisation name", "org", "account", "account name", "employer", "business name",
        "firm", "firma", "firmenname", "unternehmen", "arbeitgeber", "societe", "société",
        "entreprise", "nom de l'entreprise", "organisme", "empresa", "nombre de la empresa",
        "compañía", "organización", "azienda", "società", "ditta", "ragione sociale",
        "nome azienda", "organização", "bedrijf", "bedrijfsnaam", "organisatie", "werkgever",
        "company (org)", "org (organization)", "organization (company)", "account_name",
    ],
    "jobtitle": [
        "job title", "jobtitle", "position", "role", "job", "job role", "designation",
        "occupation|0.9", "organization title", "org title", "organization job title",
        "funktion", "position im unternehmen", "berufsbezeichnung", "stellung", "beruf|0.9",
        "fonction", "poste", "intitulé du poste", "cargo", "puesto", "posición", "ruolo",
        "qualifica", "mansione", "posizione", "função", "funcao", "functie", "functietitel",
        "rol", "profession|0.9", "role (title)",
    ],
    "website": [
        "website", "web site", "web page", "webpage", "url", "homepage", "home page", "web",
        "www", "site", "site web", "site internet", "sitio web", "pagina web", "página web",
        "sito web", "sito", "sito internet", "webseite", "internetseite", "internet",
        "website url", "company website", "personal web page|0.85", "url (work)",
    ],
    "address": [
        "address", "street", "street address", "address line 1", "address 1", "address1",
        "street 1", "address street", "adresse", "straße", "strasse", "strasse und hausnummer",
        "straße und hausnummer", "anschrift", "rue", "adresse postale", "dirección", "direccion",
        "calle", "domicilio", "indirizzo", "via", "endereço", "endereco", "morada", "rua",
        "logradouro", "adres", "straat", "straatnaam", "address (street)", "street line 1",
        "billing street", "mailing street", "address line1",
    ],
    "city": [
        "city", "town", "locality", "city/town", "ort", "stadt", "wohnort", "ville",
        "localité", "commune", "ciudad", "localidad", "población", "municipio", "città",
        "citta", "comune", "località", "cidade", "localidade", "concelho", "plaats",
        "woonplaats", "stad", "gemeente", "address (city)", "city name", "address city",
    ],
    "state": [
        "state", "state/province", "state/region", "province", "region", "county", "st",
        "state or province", "bundesland", "kanton", "région", "département", "departement",
        "provincia", "comunidad autónoma", "estado", "regione", "distrito", "provincie",
        "address (region)", "state code", "address state", "state/county",
    ],
    "zip": [
        "zip", "zip code", "zipcode", "postal code", "postcode", "post code", "postal",
        "zip/postal code", "postal/zip code", "zip/postal", "plz", "postleitzahl",
        "code postal", "cp", "código postal", "codigo postal", "cap", "c a p", "cep",
        "postcode", "address (postal code)", "zip_code", "address zip", "postal zip",
    ],
    "country": [
        "country", "country/region", "country region", "nation", "country name",
        "country code", "land", "staat", "pays", "país", "pais", "paese", "nazione", "stato",
        "land/regio", "address (country)", "address country",
    ],
    "date_of_birth": [
        "date of birth", "birthday", "birthdate", "birth date", "dob", "born", "geburtsdatum",
        "geburtstag", "geboren", "date de naissance", "né le", "anniversaire",
        "fecha de nacimiento", "cumpleaños", "data di nascita", "compleanno",
        "data de nascimento", "aniversário", "geboortedatum", "verjaardag", "bday", "geb datum", "geb dat", "gebdat", "geb.", "fecha nac",
        "f nacimiento", "data nasc", "dt nascita",
    ],
    "lifecyclestage": [
        "lifecycle stage", "lifecyclestage", "lifecycle", "stage|0.85", "status|0.7",
        "contact type|0.85", "type|0.6", "customer type|0.85", "lebenszyklusphase",
        "phase du cycle de vie", "etapa del ciclo de vida", "fase del ciclo di vita",
        "fase do ciclo de vida", "levenscyclusfase", "kundentyp|0.85", "kundenstatus|0.85",
    ],
    "hs_lead_status": ["lead status", "hs_lead_status", "leadstatus", "lead-status"],
    "_csz": [
        "city state zip", "city, state zip", "city/state/zip", "city state postal code",
        "city state postcode", "city/state/zip code", "location|0.8",
    ],
    "_ignore": [
        "id", "record id", "contact id", "object id", "hs_object_id", "hs object id", "person id",
        "lead id", "account id", "accountid", "owner", "owner id", "ownerid", "contact owner",
        "record owner", "hubspot owner", "lead owner", "owner name", "notes", "note",
        "description", "comments", "comment", "remarks", "created", "create date", "createdate",
        "created date", "created at", "created time", "creation date", "created by",
        "last modified", "last modified date", "last modified by", "modified", "updated at",
        "last activity date", "last activity", "lead source", "source", "original source",
        "labels", "label", "categories", "category", "tags", "group membership", "groups",
        "middle name", "additional name", "suffix", "name suffix", "name prefix", "nickname",
        "initials", "gender", "sex", "department", "organization department", "email type",
        "email display name", "email label", "phone type", "phone label", "address type",
        "address label", "address formatted", "website type", "website label",
        "organization type", "organization label", "organization yomi name",
        "organization symbol", "organization location", "organization job description",
        "organization name yomi", "company yomi", "yomi name", "given name yomi",
        "family name yomi", "additional name yomi", "phonetic first name",
        "phonetic middle name", "phonetic last name", "file as", "photo", "fax",
        "business fax", "home fax", "other fax", "fax number", "telefax", "pager",
        "assistant's phone", "assistants phone", "assistant phone", "callback", "car phone",
        "company main phone", "isdn", "radio phone", "telex", "tty/tdd phone", "im address",
        "imaddress", "spouse", "children", "hobby", "anniversary", "language", "priority",
        "sensitivity", "private", "mileage", "billing information", "directory server",
        "keywords", "location", "office location", "manager's name", "assistant's name",
        "referred by", "government id number", "organizational id number", "user 1",
        "user 2", "user 3", "user 4", "internet free busy", "schools", "account",
        "business address po box", "home address po box", "other address po box", "po box",
        "address po box", "address extended address", "extended address", "street 2",
        "street 3", "email opt out", "has opted out of email", "do not call",
        "donotcall", "hasoptedoutofemail", "email bounced reason", "email bounced date",
        "email domain", "marketing contact status", "subject", "maiden name", "short name",
        "kundennummer", "kunden nr", "kundennr", "debitorennummer", "debitor", "personennummer",
        "ansprechpartner id", "anlagedatum", "erstellt am", "geändert am", "bemerkung",
        "bemerkungen", "notiz", "notizen", "kommentar", "anrede brief", "briefanrede",
        "zusatz", "abteilung", "geschlecht", "numéro client", "code client", "remarques",
        "remarque", "commentaire", "date de création", "civilité", "sexe", "service",
        "número de cliente", "notas", "nota", "comentarios", "fecha de creación",
        "sexo", "departamento", "codice cliente", "note", "data di creazione", "sesso",
        "reparto", "observações", "observacoes", "data de criação", "klantnummer",
        "opmerkingen", "opmerking", "aangemaakt op", "geslacht", "afdeling", "aanhef",
        "last name yomi", "first name yomi", "reports to", "reportstoid", "lead score",
        "hubspot score", "number of sales activities", "email 2", "email type 2",
        "visible to", "open deals", "closed deals", "won deals", "lost deals",
        "next activity date", "last email received", "last email sent",
        "update time", "add time", "marketing status", "mailing geocode accuracy",
        "mailing address", "other address", "home address", "business address",
        "assistant", "asst phone", "assistantphone", "other phone|0.9", "home phone 2",
        "business phone 2", "phone 3", "website 2", "url 2",
    ],
}

COMPANY: dict[str, list[str]] = {
    "name": [
        "name", "company", "company name", "account", "account name", "organization",
        "organisation", "organization name", "organisation name", "org name", "business name",
        "legal name", "firma", "firmenname", "unternehmen", "name 1", "name1", "société",
        "societe", "entreprise", "raison sociale", "nom", "nom de l'entreprise", "empresa",
        "razón social", "nombre", "nombre de la empresa", "azienda", "ragione sociale",
        "denominazione", "nome", "nome azienda", "nome da empresa", "razão social",
        "bedrijf", "bedrijfsnaam", "naam", "organisatie", "customer|0.85", "kunde|0.85",
        "customer name", "client|0.85", "cliente|0.85", "klant|0.85",
    ],
    "domain": [
        "domain", "company domain", "company domain name", "domain name", "website domain",
        "domäne", "domaine", "dominio", "domein", "email domain",
    ],
    "phone": [
        "phone", "phone number", "telephone", "tel", "main phone", "company phone",
        "company main phone", "office phone", "business phone", "telefon", "telefonnummer",
        "zentrale", "téléphone", "standard", "teléfono", "telefono", "telefone", "telefoon",
        "telefoonnummer", "phone (work)",
    ],
    "website": PERSON["website"] + ["company website", "website url", "webseite", "homepage url"],
    "address": PERSON["address"] + ["billing address|0.8", "billing street", "shipping street|0.9"],
    "city": PERSON["city"] + ["billing city", "shipping city|0.9"],
    "state": PERSON["state"] + ["billing state", "billing state/province", "shipping state|0.9"],
    "zip": PERSON["zip"] + ["billing zip", "billing zip/postal code", "billing postal code"],
    "country": PERSON["country"] + ["billing country", "shipping country|0.9"],
    "industry": [
        "industry", "sector", "branche", "industrie", "wirtschaftszweig", "secteur",
        "secteur d'activité", "industria", "sector industrial", "settore", "setor",
        "ramo", "sector/branche", "vertical", "line of business",
    ],
    "numberofemployees": [
        "number of employees", "numberofemployees", "employees", "employee count",
        "no of employees", "headcount", "staff", "company size|0.85", "size|0.8",
        "mitarbeiter", "anzahl mitarbeiter", "mitarbeiterzahl", "beschäftigte", "effectif",
        "nombre d'employés", "salariés", "empleados", "número de empleados", "dipendenti",
        "numero dipendenti", "funcionários", "número de funcionários", "colaboradores",
        "werknemers", "aantal medewerkers", "medewerkers", "aantal werknemers",
        "people|0.8",
    ],
    "annualrevenue": [
        "annual revenue", "annualrevenue", "revenue", "turnover", "annual turnover", "sales",
        "umsatz", "jahresumsatz", "chiffre d'affaires", "ca", "facturación", "ingresos",
        "ingresos anuales", "fatturato", "faturamento", "receita", "receita anual", "omzet",
        "jaaromzet",
    ],
    "_csz": PERSON["_csz"],
    "_ignore": [
        "id", "record id", "company id", "account id", "organization id", "org id",
        "hs_object_id", "object id", "owner", "owner id", "company owner", "account owner",
        "notes", "note", "description", "created", "create date", "created date",
        "last modified date", "last activity date", "type", "account type", "labels",
        "label", "parent account", "parent company", "fax", "rating", "source",
        "kundennummer", "debitorennummer", "bemerkung", "notizen", "numéro client",
        "remarques", "notas", "note", "opmerkingen", "klantnummer", "people", "open deals",
        "closed deals", "won deals", "lost deals", "visible to", "update time", "add time",
        "next activity date", "account number", "sic code", "ticker symbol", "ownership",
        "email", "contact", "contact name", "primary contact",
    ],
}

DEAL: dict[str, list[str]] = {
    "dealname": [
        "deal name", "dealname", "deal", "name", "title", "deal title", "opportunity",
        "opportunity name", "subject|0.8", "project|0.85", "titel", "titre", "titolo",
        "título", "geschäft", "verkaufschance", "opportunité", "affaire", "nom de l'affaire",
        "oportunidad", "negocio", "opportunità", "trattativa", "oportunidade", "negócio",
        "kans", "deal naam", "dealnaam", "verkoopkans", "bezeichnung|0.85",
    ],
    "amount": [
        "amount", "deal amount", "value", "deal value", "price", "total", "total amount",
        "opportunity amount", "expected revenue|0.8", "revenue|0.85", "betrag", "wert",
        "volumen", "auftragswert", "montant", "valeur", "monto", "importe", "valor",
        "importo", "valore", "montante", "bedrag", "waarde", "amount (usd)", "amount (eur)",
    ],
    "closedate": [
        "close date", "closedate", "closing date", "expected close date", "close",
        "won time|0.85", "deal closed on", "abschlussdatum", "datum abschluss",
        "voraussichtliches abschlussdatum", "date de clôture", "date de conclusion",
        "fecha de cierre", "data di chiusura", "data de fecho", "data de fechamento",
        "sluitingsdatum", "datum afsluiting", "expected close",
    ],
    "dealstage": [
        "deal stage", "dealstage", "stage", "stage name", "sales stage", "status|0.85",
        "phase", "stufe", "verkaufsphase", "étape", "étape de vente", "etapa", "fase",
        "estado|0.85", "stato|0.85", "fase di vendita", "fase de venda", "fase", "stadium",
        "deal status|0.9",
    ],
    "pipeline": ["pipeline", "deal pipeline", "sales pipeline", "trichter", "entonnoir", "embudo"],
    "_ignore": [
        "id", "record id", "deal id", "opportunity id", "hs_object_id", "owner", "deal owner",
        "opportunity owner", "owner id", "created", "create date", "created date", "notes",
        "description", "probability", "probability (%)", "currency", "currency code",
        "contact", "contact person", "contact name", "person", "organization", "company",
        "account", "account name", "organisation", "next step", "lead source", "type",
        "deal type", "forecast category", "last activity date", "update time", "add time",
        "lost reason", "visible to", "labels", "label", "weighted value", "fiscal period",
        "age", "email", "phone", "kunde", "firma",
    ],
}

# Swedish, Danish, Norwegian, Finnish, Polish, Czech, Turkish and regional words (Swiss and Austrian
# German, Brazilian Portuguese, Latin American Spanish), read after the tables above. No package we
# ship has address-part labels (CLDR names territories, not form fields): values from pycountry's
# ISO 3166 translations and subdivisions back these words up in evidence.py.
PERSON_MORE: dict[str, list[str]] = {
    "email": [
        "e-post", "epost", "e-postadress", "e-postadresse", "sähköposti", "sahkoposti",
        "sähköpostiosoite", "adres e-mail", "adres email", "e-mail adres", "e-posta", "eposta",
        "e-posta adresi", "correo", "e-mail adresa", "emailová adresa",
    ],
    "firstname": [
        "förnamn", "tilltalsnamn", "fornavn", "etunimi", "imię", "imie", "jméno|0.95", "krestní jméno",
        "ad|0.95", "adı|0.95", "nombres", "primer nombre", "nome próprio",
    ],
    "lastname": [
        "efternamn", "efternavn", "etternavn", "sukunimi", "nazwisko", "příjmení", "prijmeni",
        "soyad", "soyadı", "soyadi", "apellido paterno",
    ],
    "_fullname": [
        "namn", "navn", "fulde navn", "fullt navn", "nimi", "koko nimi", "imię i nazwisko",
        "celé jméno", "ad soyad", "adı soyadı", "kontaktperson", "yhteyshenkilö", "osoba kontaktowa",
        "kontaktní osoba", "yetkili", "nome do contato",
    ],
    "_title": ["unvan", "ünvan", "titteli", "tittel"],
    "company": [
        "företag", "företagsnamn", "virksomhed", "virksomhedsnavn", "bedrift", "firmanavn",
        "selskab", "yritys", "yrityksen nimi", "yhtiö", "organisaatio", "nazwa firmy", "pracodawca",
        "společnost", "název firmy", "firma adı", "şirket", "şirket adı", "kurum", "razão social",
        "razao social", "nome fantasia|0.9", "razón social", "razon social",
    ],
    "jobtitle": [
        "befattning", "yrke", "roll", "stilling", "tehtävänimike", "asema", "ammatti",
        "stanowisko", "funkcja", "funkce", "pozice", "görev", "gorev", "pozisyon", "cargo",
    ],
    "phone": [
        "telefonnummer", "tlf", "tlf nr", "telefonnr", "puhelin", "puhelinnumero", "numer telefonu",
        "nr telefonu", "telefon stacjonarny", "pevná linka", "telefon numarası", "iş telefonu",
        "fone", "telefone comercial", "teléfono fijo", "tel g", "telefon geschäft",
    ],
    "mobilephone": [
        "mobiltelefon", "mobilnummer", "mobil", "matkapuhelin", "kännykkä", "telefon komórkowy",
        "tel komórkowy", "komórka", "tel kom", "mobilní telefon", "mobil telefon", "cep telefonu",
        "cep", "cep tel", "celular", "natel", "handynummer", "teléfono celular", "whatsapp|0.85",
    ],
    "address": [
        "gatuadress", "utdelningsadress", "adress", "gadenavn", "gadeadresse", "gateadresse",
        "katuosoite", "osoite", "postiosoite", "ulica", "adres", "ulice", "adresa", "adres satırı",
        "logradouro", "endereço comercial", "domicilio", "calle y número",
    ],
    "city": [
        "postort", "ort", "stad", "by|0.9", "poststed", "postby", "postitoimipaikka", "kaupunki",
        "paikkakunta", "miejscowość", "miasto", "město", "mesto", "obec", "şehir", "sehir",
        "il|0.85", "município", "municipio", "cidade", "localidad", "ortschaft", "delegación",
        "comuna",
    ],
    "state": [
        "län", "fylke", "maakunta", "województwo", "wojewodztwo", "kraj|0.85",
        "uf", "estado", "provincia", "departamento", "kanton", "bundesland", "region|0.95",
    ],
    "zip": [
        "postnummer", "postnr", "postinumero", "kod pocztowy", "psč", "psc", "posta kodu",
        "cep", "c p", "código postal", "postleitzahl", "plz",
    ],
    "country": [
        "land", "maa", "kraj|0.85", "państwo", "stát|0.85", "země", "zeme", "ülke", "ulke", "país",
    ],
    "date_of_birth": [
        "födelsedatum", "födelsedag", "fødselsdato", "fødselsdag", "syntymäaika", "syntymäpäivä",
        "data urodzenia", "datum narození", "datum narozeni", "doğum tarihi", "dogum tarihi",
        "data nasc", "data de nasc", "fecha nac", "fecha de nac",
    ],
    "_ignore": [
        "sales rep", "salesrep", "sales rep name", "sales representative", "salesperson",
        "account manager", "representative", "assigned to", "rep", "säljare", "ansvarig säljare",
        "sælger", "selger", "myyjä", "opiekun", "handlowiec", "obchodník", "temsilci",
        "satış temsilcisi", "vendedor", "vendedor asignado", "ejecutivo", "ejecutivo de cuenta",
        "kundenbetreuer", "betreuer", "kommune", "kommun", "gemeinde", "kunta", "gmina", "ilçe",
        "bairro", "colonia", "partido", "complemento", "número", "numero", "nr domu", "nr lokalu",
        "hausnummer", "hausnr", "house number", "rechtsform", "uid", "nip", "regon", "pesel",
        "cnpj", "cpf", "rut", "cuit", "rfc", "ičo", "dič", "vergi no", "vergi numarası",
        "tc kimlik no", "organisationsnummer", "org nr", "cvr", "y-tunnus", "kundnr", "kundnummer",
        "kundenr", "medlemsnr", "medlemsnummer", "asiakasnumero", "müşteri no", "cód cliente",
        "código do cliente", "lp", "anteckningar", "noter", "notat", "bemærkninger", "lisätiedot",
        "huomautukset", "uwagi", "poznámka", "poznámky", "notlar", "açıklama", "oprettet",
        "opprettet", "skapad", "data utworzenia", "vytvořeno", "oluşturma tarihi",
        "data de cadastro", "fecha de alta", "referral code", "plan tier", "plan",
        "marketing opt in", "signup", "last login", "active", "credit limit", "last order",
    ],
}
COMPANY_MORE: dict[str, list[str]] = {
    "name": [
        "företag", "företagsnamn", "virksomhed", "bedrift", "firmanavn", "yritys", "nazwa firmy",
        "nazwa", "název firmy", "společnost", "firma adı", "şirket adı", "razão social",
        "razón social", "nome fantasia|0.9",
    ],
    "numberofemployees": [
        "anzahl ma", "ma", "mitarbeitende", "anzahl mitarbeitende", "antal anställda", "anställda",
        "ansatte", "antal ansatte", "antall ansatte", "henkilöstö", "liczba pracowników",
        "počet zaměstnanců", "çalışan sayısı", "número de funcionários", "cantidad de empleados",
    ],
    "industry": ["bransch", "branche", "toimiala", "branża", "obor", "sektör", "ramo de atividade", "rubro"],
    "_ignore": [
        "rechtsform", "uid", "mwst nr", "firmennr", "nip", "regon", "cnpj", "cuit", "ičo",
        "vergi no", "organisationsnummer", "cvr", "y-tunnus", "e-post", "sähköposti", "e-posta",
        "adres e-mail", "correo", "sales rep", "account manager", "opiekun", "vendedor", "kommune",
    ],
}
DEAL_MORE: dict[str, list[str]] = {
    "dealname": ["quote", "quote name", "quote title", "quote description|0.85"],
    "amount": ["quote amount", "quote total", "quote value"],
    "_ignore": [
        "customer", "customer name", "client name", "sales rep", "sales rep name", "salesperson",
        "account manager", "quote no", "quote number", "quote date|0.9", "valid until",
        "currency code", "region", "sales region", "territory", "lost reason", "quote id",
    ],
}

TABLES: dict[str, dict[str, list[str]]] = {"contacts": PERSON, "companies": COMPANY, "deals": DEAL}
MORE_TABLES: dict[str, dict[str, list[str]]] = {
    "contacts": PERSON_MORE,
    "companies": {**{k: PERSON_MORE[k] for k in ("phone", "address", "city", "state", "zip", "country")},
                  **COMPANY_MORE},
    "deals": DEAL_MORE,
}

# name headers whose meaning depends on the other columns (first name alone may be a full name)
AMBIGUOUS_NAMES = frozenset({"nom", "nombre", "nome", "name", "naam", "first", "last", "jmeno", "ad",
                             "adi", "namn", "navn", "nimi"})


def _phrase(text: str) -> tuple[str, float]:
    phrase, _, weight = text.partition("|")
    return " ".join(tokens_of(phrase)), float(weight) if weight else 1.0


@lru_cache(maxsize=8)
def phrase_table(object_name: str) -> dict[str, tuple[str, float]]:
    """Normalised phrase -> (field, weight) for an object; the first listing wins."""
    out: dict[str, tuple[str, float]] = {}
    for table in (TABLES.get(object_name, PERSON), MORE_TABLES.get(object_name, PERSON_MORE)):
        for field_name, phrases in table.items():
            for text in phrases:
                phrase, weight = _phrase(text)
                if phrase and phrase not in out:
                    out[phrase] = (field_name, weight)
    return out
