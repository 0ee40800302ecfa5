"""Rome's public mental-health network into data/ (see scripts/build-rome-network).

Reads REF/rome-mental-health.csv and REF/rome-municipi-osm.geojson, rewrites
DATA/resources.geojson (one feature a line) and DATA/rome-municipi.geojson.
Python 3 standard library only.
"""

import csv
import json
import re
import sys

ref, data = sys.argv[1], sys.argv[2]
SEED = f"{data}/resources.geojson"
COPY = "robgor95/mappatura-servizi-assistenza-psicologica"
COPY_NOTE = f"read through a copy ({COPY} on GitHub)"

rows = list(csv.DictReader(open(f"{ref}/rome-mental-health.csv", encoding="utf-8")))
fc = json.load(open(SEED, encoding="utf-8"))
by_id = {f["id"]: f for f in fc["features"]}

# Ids for the rows we lack, by the sheet's name (the sheet has no id of ours).
NEW_IDS = {
    "CSM Plinio (Centro di Salute Mentale)": "it-rm-csm-plinio",
    "Presidio salute mentale Via Boemondo": "it-rm-psm-boemondo",
    "CSM Farulli (Centro di Salute Mentale Via Farulli)": "it-rm-csm-farulli",
    "CSM Boccea (Centro di Salute Mentale)": "it-rm-csm-boccea",
    "CSM Innocenzo IV (Centro di Salute Mentale)": "it-rm-csm-innocenzo4",
    "CSM Ventura (Centro di Salute Mentale)": "it-rm-csm-ventura",
    "Polo Integrato Salute Mentale Cassia": "it-rm-polo-cassia",
    "Ambulatorio P.I.P.S.M. Plinio Polo Ovest (early intervention)": "it-rm-prev-plinio",
    "Ambulatorio Disturbi del Comportamento Alimentare (DCA) Santa Maria della Pietà": "it-rm-dca-smpieta",
    "Centro Diurno Palestro": "it-rm-cd-palestro",
    "Centro Diurno Plinio P.I.P.S.M. Polo Ovest": "it-rm-cd-plinio",
    "Centro Diurno Boemondo": "it-rm-cd-boemondo",
    "Centro Diurno Forte Antenne": "it-rm-cd-forteantenne",
    "Centro Diurno Pasquariello": "it-rm-cd-pasquariello",
    "Centro Diurno Valle Aurelia": "it-rm-cd-valleaurelia",
    "Centro Diurno Gasparri": "it-rm-cd-gasparri",
    "Centro Diurno Borromeo": "it-rm-cd-borromeo",
    "Centro Diurno Di Giorgio": "it-rm-cd-digiorgio",
    "TSMREE La Scarpetta (Tutela Salute Mentale e Riabilitazione Età Evolutiva)": "it-rm-tsmree-scarpetta",
    "TSMREE Tripoli (Tutela Salute Mentale e Riabilitazione Età Evolutiva)": "it-rm-tsmree-tripoli",
    "TSMREE Dina Galli (Tutela Salute Mentale e Riabilitazione Età Evolutiva)": "it-rm-tsmree-dinagalli",
    "TSMREE Catone (Tutela Salute Mentale e Riabilitazione Età Evolutiva)": "it-rm-tsmree-catone",
    "TSMREE Santa Maria della Pietà (Tutela Salute Mentale e Riabilitazione Età Evolutiva)": "it-rm-tsmree-smpieta",
    "TSMREE Cassia (Tutela Salute Mentale e Riabilitazione Età Evolutiva)": "it-rm-tsmree-cassia",
    "UOSD Disturbi del Comportamento Alimentare – CTO": "it-rm-dca-cto",
    "TSMREE San Felice (Tutela Salute Mentale e Riabilitazione Età Evolutiva)": "it-rm-tsmree-sanfelice",
    "TSMREE Casilina (Tutela Salute Mentale e Riabilitazione Età Evolutiva)": "it-rm-tsmree-casilina",
    "TSMREE Torrenova (Tutela Salute Mentale e Riabilitazione Età Evolutiva)": "it-rm-tsmree-torrenova",
    "CSM Acilia – ambulatorio decentrato (Municipio X)": "it-rm-csm-acilia",
    "Centro Diurno Brisse": "it-rm-cd-brisse",
    "Centro Diurno Mazzacurati": "it-rm-cd-mazzacurati",
    "Centro Diurno Tagaste (Ostia)": "it-rm-cd-tagaste",
    "Centro Diurno Acilia": "it-rm-cd-acilia",
    "Centro Diurno Monteverde": "it-rm-cd-monteverde",
    "Centro Diurno Cantiere 24": "it-rm-cd-cantiere24",
    "116117 – Cure sanitarie non urgenti (Lazio)": "it-rm-helpline-116117",
    "Sala Operativa Sociale – Roma Capitale": "it-rm-helpline-sos",
}

# The sheet's access text, in our closed words; texts not listed (territorial
# intake, hospital network, undocumented, helplines) leave `access` empty.
ACCESS = [
    ("Direct access", "walk_in"),
    ("First access direct", "walk_in"),
    ("First contact by direct access", "walk_in"),
    ("Direct first contact", "walk_in"),
    ("By referral", "referral_required"),
    ("On proposal and referral by the CSM", "referral_required"),
    ("On CSM referral", "referral_required"),
    ("Referral by CSM", "referral_required"),
    ("By appointment agreed with CSM", "referral_required"),
    ("Booking by phone", "appointment"),
    ("Contact the CSM; Acilia clinic by appointment", "appointment"),
]

# Per kind: category, topics, target groups of a new record.
KINDS = {
    "csm": ("mental_health_centre", ["mental_health_care", "counselling", "rehabilitation"],
            ["people_with_mental_disorders", "families"]),
    "day_centre": ("day_centre", ["mental_health_care", "rehabilitation", "socialisation"],
                   ["people_with_mental_disorders"]),
    "child_adolescent": ("mental_health_centre", ["mental_health_care", "rehabilitation", "child_adolescent"],
                         ["children", "adolescents", "families"]),
    "other": ("mental_health_centre", ["mental_health_care"], ["people_with_mental_disorders"]),
}
HELPLINES = {
    "it-rm-helpline-116117": ("other_service", ["counselling"], ["citizens"]),
    "it-rm-helpline-sos": ("crisis_service", ["crisis"], ["citizens", "families"]),
}
YOUTH = {"it-rm-prev-plinio", "it-rm-polo-cassia"}

ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9, "X": 10,
         "XI": 11, "XII": 12, "XIII": 13, "XIV": 14, "XV": 15}
DATE = r"(\d{4}-\d{2}-\d{2})"


def urls(row):
    return [u.strip() for u in row["official_url"].split(" ; ") if u.strip()]


def dates(fact_date):
    """(document, page date, date read) from the sheet's `fact_date`."""
    document, page, read = None, None, []
    for part in (p.strip() for p in fact_date.split(";")):
        m = re.search(DATE, part)
        label = re.sub(r"\(.*?\)", "", part[: m.start()] if m else part).strip()
        if m and label.startswith("geo check"):
            continue  # the day the point was checked, not a page's date
        if m and re.match(r"(read|reviewed|verified|dataset|address re-checked|Regione page checked)", label):
            day = m.group(1)
            extra = re.match(r"/(\d{2})", part[m.end():])  # "2026-09-21/22": read on both days
            read.append(day[:8] + extra.group(1) if extra else day)
        elif m and page is None:
            document, page = label or None, m.group(1)
    return document, page, max(read) if read else None


def publisher(row):
    if row["asl"]:
        return row["asl"]
    host = re.sub(r"^https?://(www\.)?", "", urls(row)[0]).split("/")[0]
    return {"salutelazio.it": "Regione Lazio", "regione.lazio.it": "Regione Lazio",
            "comune.roma.it": "Roma Capitale"}[host]


def point_provenance(row):
    """The provenance of the row's point, from `coord_source`."""
    src = row["coord_source"]
    m = re.search(r"\((node|way|relation)/(\d+)\)", src)
    read = re.search(DATE, src).group(1)
    if src.startswith("OpenStreetMap"):
        return {"facts": ["location"], "publisher": "OpenStreetMap contributors",
                "url": f"https://www.openstreetmap.org/{m.group(1)}/{m.group(2)}", "read_on": read,
                "via_copy": True, "copy": COPY, "licence": "ODbL-1.0"}
    url = re.search(r"\((https?://[^)]+)\)", src).group(1)
    return {"facts": ["location"], "publisher": row["asl"], "url": url, "document": "published coordinates",
            "read_on": read, "via_copy": True, "copy": COPY}


def access(row):
    for prefix, word in ACCESS:
        if row["access"].startswith(prefix):
            return word
    return None


def phone(row):
    """The sheet's phone as our validator takes it (digits, spaces, + - ( ) . /);
    words naming what a number is for go to the description."""
    return re.sub(r" \([a-z ]+\)", "", row["phone"]) or None


def address(row):
    # Innocenzo IV: 16/B on the site page of 2024-09-09, 16/d in the directory
    # (rubrica) of 2026-06-19: the newer one, the other an open question.
    return row["address"].replace("16/B (rubrica: 16/d)", "16/d") or None


def same_address(old, new):
    """Whether `new` only adds to `old` (a house number, a postcode)."""
    norm = lambda s: re.sub(r"[^a-z0-9 ]", "", s.lower().replace("gian carlo", "giancarlo")).split()
    o, n = norm(old), norm(new)
    return all(w in n for w in o if not w.startswith("temporary") and w not in
               ("site", "since", "late", "2022"))


def conflicts(row):
    """The sheet's notes on disagreeing sources, as open questions."""
    out = []
    for sentence in re.split(r"(?<=\.) (?=[A-Z])", row["notes"]):
        if "CONFLICT" in sentence and "our record" not in sentence:
            out.append(f"Sources disagree (rome-mental-health.csv notes): {sentence}")
    return out


def ask(p, question):
    qs = p.setdefault("open_questions", [])
    if question not in qs:
        qs.append(question)


def cite(p, row, facts):
    """Adds the row's provenance entries, and its URLs to `source`."""
    document, page, read = dates(row["fact_date"])
    entry = {"facts": facts, "publisher": publisher(row), "url": urls(row)[0]}
    if document:
        entry["document"] = document
    if page:
        entry["page_date"] = page
    if read:
        entry["read_on"] = read
    entry.update({"via_copy": True, "copy": COPY})
    prov = [e for e in (p.get("provenance") or []) if e.get("copy") != COPY]
    prov.append(entry)
    if row["lon"]:
        prov.append(point_provenance(row))
    p["provenance"] = prov
    text = p.get("source") or ""
    new = [u for u in urls(row) if u not in text]
    if new:
        note = f"{publisher(row)} ({row['fact_date']}), {COPY_NOTE}: {' ; '.join(new)}"
        p["source"] = f"{text}; {note}" if text else note


def apply(p, feature, row, fresh):
    """The row's facts on record `p` (our old values to open questions)."""
    facts = []
    label = lambda k: {"phone": "phone", "email": "e-mail", "opening_hours": "opening hours",
                       "address": "address", "access": "access"}[k]
    new = {"phone": phone(row), "email": row["email"] or None,
           "opening_hours": row["opening_hours_osm"] or None, "address": address(row),
           "access": access(row)}
    for k, v in new.items():
        if v is None:
            continue
        old = p.get(k)
        if old and old != v and not (k == "address" and same_address(old, v)):
            ask(p, f"The {label(k)} was '{old}' in our earlier record (see its source); the ASL page "
                   f"({row['fact_date']}) says '{v}': kept the newer one, check which is right.")
        p[k] = v
        facts.append(k)
    if row["postcode"]:
        if p.get("postcode") and p["postcode"] != row["postcode"]:
            ask(p, f"The postcode was {p['postcode']} in our earlier record; the ASL page gives {row['postcode']}.")
        p["postcode"] = row["postcode"]
        facts.append("postcode")
    if row["lon"]:
        lon, lat = round(float(row["lon"]), 6), round(float(row["lat"]), 6)
        geometry = feature.get("geometry")
        if geometry and p.get("coord_precision") in ("building", "street") and not fresh:
            olon, olat = geometry["coordinates"]
            dist = ((olon - lon) * 83_000) ** 2 + ((olat - lat) * 111_000) ** 2
            if dist > 300 ** 2:
                ask(p, f"Our earlier point ({olon}, {olat}, {p['coord_precision']} level, from knowledge) lies "
                       f"about {round(dist ** 0.5 / 100) / 10} km from the sheet's ({lon}, {lat}): kept the "
                       "sheet's, check the entrance.")
        feature["geometry"] = {"type": "Point", "coordinates": [lon, lat]}
        p["coord_precision"] = row["coord_precision"]
    for q in conflicts(row):
        ask(p, q)
    cite(p, row, facts)


for row in rows:
    rid = row["existing_id"]
    if rid:
        f = by_id[rid]
        apply(f["properties"], f, row, fresh=False)
        continue
    rid = NEW_IDS[row["name"]]
    if rid in HELPLINES:
        category, topics, groups = HELPLINES[rid]
    else:
        category, topics, groups = KINDS[row["kind"]]
    if rid in YOUTH:
        topics = topics + ["youth"]
    serves = []
    if row["asl"]:
        serves.append("it-rm-asl-roma-" + row["asl"].split()[-1])
    distretto = row["distretto"].strip()
    if rid == "it-rm-csm-farulli":
        distretto = "3"  # the sheet's note: "Second Distretto 3 site"; the split is not stated
    n = int(distretto) if distretto.isdigit() else ROMAN.get(distretto)
    if n:
        serves.append(f"it-rm-municipio-{n:02d}")
    if rid == "it-rm-helpline-sos":
        serves = [f"it-rm-municipio-{i:02d}" for i in range(1, 16)]
    f = by_id.get(rid) or {"type": "Feature", "id": rid, "geometry": None, "properties": {}}
    p = f["properties"]
    p.update({"id": rid, "name": row["name"], "name_en": None, "category": category, "country": "IT",
              "city": "Roma", "address": None, "postcode": None, "website": urls(row)[0], "phone": None,
              "email": None, "topics": topics, "target_groups": groups, "languages": [],
              "opening_hours": None, "access": None, "cost": None, "serves_areas": serves, "source": None,
              "last_verified": None, "description": None, "coord_precision": None})
    p.pop("provenance", None)
    if row["kind"] in ("csm", "other", "child_adolescent") and not n and rid not in HELPLINES:
        ask(p, "The sheet does not say which municipio or distretto this service is competent for.")
    apply(p, f, row, fresh=True)
    if rid not in by_id:
        fc["features"].append(f)
        by_id[rid] = f

# The words the validator keeps out of the phone, as a description.
r = by_id["it-rm-spdc-sanfilipponeri"]["properties"]
r["description"] = r.get("description") or "Of the two numbers, the first is the ward's office and the second its nursing coordination."

for f in fc["features"]:
    ph = f["properties"].get("phone")
    digits = sum(c.isdigit() for c in ph or "")
    assert ph is None or (len(ph) <= 40 and set(ph) <= set("0123456789 +-()./") and 3 <= digits <= 20), ph

ask(by_id["it-rm-csm-innocenzo4"]["properties"],
    "House number: 16/d in the ASL directory (rubrica) of 19 June 2026, kept as the newer; 16/B on the ASL "
    "site page of 9 September 2024 (which the copied dataset keeps): check which is right.")

# San Camillo: a dated status, not a description. The ASL Roma 3 notice of
# 10 April 2026 (the newest dated source) closes the ward to admissions from
# 15 April 2026, reopening not documented; the 2024 closure its `source`
# cites is older.
camillo = by_id["it-rm-spdc-sancamillo"]["properties"]
camillo["open_questions"] = [q for q in camillo.get("open_questions", [])
                             if not q.startswith("ASL Roma 3 notice of 10 April 2026")]
camillo["status"] = "temporarily_closed"
camillo["status_since"] = "2026-04-15"
camillo["alerts"] = [{"kind": "admissions_suspended", "since": "2026-04-15"}]
ask(camillo, "Reopening of the ward after the works (ASL Roma 3 notice of 10 April 2026) is not documented: "
    "check the ASL page and set the status back to open, with the day, when it reopens.")
ask(by_id["it-rm-csm-farulli"]["properties"],
    "Distretto 3 has two CSM sites (Monte Tomatico and Farulli); how the two share Municipio III is not stated.")
ask(by_id["it-rm-csm-d6"]["properties"],
    "The ASL's address, Via di Torre Spaccata 157, lies in Municipio VII on OpenStreetMap's boundaries, while "
    "this is the CSM of Distretto 6 (Municipio VI): the zone Torre Spaccata was reported moved from VI to VII "
    "in 2021; check which residents it serves.")
ask(by_id["it-rm-cd-ornitorinco"]["properties"],
    "Probable match only: the ASL page names the Distretto 4 day centre on Via della Rustica 'L'Aquilone', "
    "our record 'Ornitorinco'; check that they are the same service. Its street lies in Municipio V, while it "
    "serves Distretto 4 (Municipio IV).")

# Stable order of keys, and of features by id.
ORDER = ["id", "name", "name_en", "category", "country", "city", "address", "postcode", "website", "phone",
         "email", "topics", "target_groups", "languages", "opening_hours", "access", "cost", "serves_areas",
         "source", "provenance", "open_questions", "last_verified", "description", "coord_precision"]
for f in fc["features"]:
    p = f["properties"]
    if not p.get("open_questions"):
        p.pop("open_questions", None)
    f["properties"] = {k: p[k] for k in ORDER if k in p} | {k: v for k, v in p.items() if k not in ORDER}
fc["features"].sort(key=lambda x: x["id"])

with open(SEED, "w", encoding="utf-8") as out:
    out.write('{"type":"FeatureCollection","features":[\n')
    out.write(",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in fc["features"]))
    out.write("\n]}\n")

# Rome's municipi (OSM, ODbL), coordinates as exported.
municipi = json.load(open(f"{ref}/rome-municipi-osm.geojson", encoding="utf-8"))
out = {"type": "FeatureCollection",
       "attribution": "© OpenStreetMap contributors, ODbL 1.0 (boundary relations admin_level=10, via "
                      "teretalo/rome-pop-map rome_municipi.geojson @494fc493, 2026-03-25)",
       "features": []}
for f in sorted(municipi["features"], key=lambda f: f["properties"]["id"]):
    p = f["properties"]
    out["features"].append({"type": "Feature", "id": p["id"],
                            "properties": {"id": p["id"], "name": p["name"], "kind": "municipio",
                                           "country": "IT"},
                            "geometry": f["geometry"]})
with open(f"{data}/rome-municipi.geojson", "w", encoding="utf-8") as o:
    o.write('{"type":"FeatureCollection","attribution":' + json.dumps(out["attribution"], ensure_ascii=False)
            + ',"features":[\n')
    o.write(",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in out["features"]))
    o.write("\n]}\n")

rome = [f for f in fc["features"] if f["id"].startswith("it-rm-")]
print(f"{len(rows)} sheet rows: {sum(1 for r in rows if r['existing_id'])} records updated, "
      f"{sum(1 for r in rows if not r['existing_id'])} added; {len(out['features'])} municipi", file=sys.stderr)
