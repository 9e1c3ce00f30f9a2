#!/usr/bin/env python3
"""Writes a seeded customer export in Mailchimp's audience shape, and a
project with one campaign of five variants to audit it with.

    bench/generate_export.py --out DIR --rows N [--seed S] [--distinct]

DIR/export.csv holds N rows (empty cells, ZIP codes with leading zeros,
numbers as text); DIR/project is a mergeproof project whose mergeproof.yaml
maps the export's headers.

By default each column takes a few values, so customers repeat one another's
shapes (the fields a variant reads) and audit checks each shape once. With
--distinct the values are as many as a real list holds: first names from
5,000, last names from 20,000, points from 0 to 100,000, store credit to the
cent, ages 16 to 90 and 40,000 ZIP codes, with the same share of empty
cells; nearly every customer is then a shape of their own."""
import argparse
import csv
import os
import random

p = argparse.ArgumentParser()
p.add_argument("--out", required=True)
p.add_argument("--rows", type=int, default=1_000_000)
p.add_argument("--seed", type=int, default=7)
p.add_argument("--distinct", action="store_true")
a = p.parse_args()
rng = random.Random(a.seed)

os.makedirs(os.path.join(a.out, "project", "campaigns"), exist_ok=True)
os.makedirs(os.path.join(a.out, "project", "sample-profiles"), exist_ok=True)
with open(os.path.join(a.out, "project", "mergeproof.yaml"), "w") as f:
    f.write("""profile_columns:
  id: "Email Address"
  "First Name": first_name
  "Last Name": last_name
  "Tier": loyalty.tier
  "Points": loyalty.points
  "Store Credit": account.balance
  "Age": age
  "ZIP": location.zip
""")
with open(os.path.join(a.out, "project", "campaigns", "tiers.yaml"), "w") as f:
    f.write("""control: everyone
variants:
  - id: platinum
    audience: { field: loyalty.tier, eq: platinum }
    subject: "{{first_name}}, your platinum preview"
    body: "<p>Hi {{default first_name \\"there\\"}}, you have {{loyalty.points}} points.</p><p><a href=\\"https://shop.example/p?zip={{location.zip}}\\">Shop</a></p>"
  - id: gold
    audience: { field: loyalty.tier, eq: gold }
    subject: "Your gold picks"
    body: "<p>Hi {{default first_name \\"there\\"}}, {{#if (gt loyalty.points 0)}}you have {{loyalty.points}} points{{/if}}.</p>"
  - id: silver
    audience: { field: loyalty.tier, eq: silver }
    subject: "{{default first_name \\"Hello\\"}}, silver savings"
    body: "<p>Store credit: {{currency account.balance}}</p>"
  - id: bronze
    audience: { field: loyalty.tier, eq: bronze }
    subject: "Bronze rewards"
    body: "<p>Dear {{last_name}},</p>"
  - id: everyone
    subject: "New this week"
    body: "<p>New this week.</p>"
""")
first = ["Loren", "Ana", "", "Priya", "Dmitri", "James", "Hannah", "Walter", "Zoë", "Li", "Layla", "null"]
last = ["Ng", "Costa", "Okafor", "Raman", "", "Whitaker", "Brooks", "O'Brien-Núñez"]
tiers = ["gold", "silver", "bronze", "platinum", ""]
points = ["0", "40", "320", "1250", ""]
credit = ["0", "15.00", "-42.17", "120.00", ""]
ages = ["16", "29", "47", "74", ""]
zips = ["02134", "97204", "00501", ""]
if a.distinct:
    syllables = ["an", "bel", "cor", "da", "el", "fin", "ga", "hal", "is", "jo", "ka", "lu",
                 "mar", "no", "ol", "pri", "qui", "ro", "sa", "ti", "ul", "va", "wen", "xi"]
    def names(count, parts):
        made = set()
        while len(made) < count:
            made.add("".join(rng.choice(syllables) for _ in range(parts)).title())
        return sorted(made)
    # One empty cell in twelve, as above.
    first = names(5000, 3) + [""] * 450
    last = names(20000, 4) + [""] * 1800
    points = [str(n) for n in range(0, 100001)] + [""] * 9000
    credit = [f"{n / 100:.2f}" for n in range(-5000, 50000)] + [""] * 5000
    ages = [str(n) for n in range(16, 91)] + [""] * 7
    zips = [f"{n:05d}" for n in rng.sample(range(100000), 40000)] + [""] * 3600
with open(os.path.join(a.out, "export.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["Email Address", "First Name", "Last Name", "Tier", "Points", "Store Credit", "Age", "ZIP"])
    for i in range(a.rows):
        w.writerow([
            f"c-{i:07d}@example.com",
            rng.choice(first),
            rng.choice(last),
            rng.choice(tiers),
            rng.choice(points),
            rng.choice(credit),
            rng.choice(ages),
            rng.choice(zips),
        ])
