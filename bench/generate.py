#!/usr/bin/env python3
"""Generate a synthetic mergeproof project for benchmarks.

    python3 bench/generate.py --out DIR [--campaigns 100] [--variants 10]
                              [--profiles 200] [--seed 7]

Writes DIR/campaigns/*.yaml (with partials/ and templates/) and
DIR/sample-profiles/*.yaml in mergeproof's file formats. Each campaign has
VARIANTS variants: targeted ones with audiences on loyalty.tier, age and device,
then a catch-all control last. Subjects, preheaders and HTML bodies read 5 to 15
profile fields each through plain tokens, {{default}}, {{currency}}, {{title}},
{{#if}} guards, an {{#each}} over a short order list and partials. Profiles are
spread over the three file shapes (one per file, a YAML list, several YAML
documents). The output depends only on the arguments: the same seed gives the
same bytes. Standard library only.
"""

import argparse
import json
import os
import random
import re
import sys

FIRST_NAMES = [
    "Loren", "Ava", "Claire", "Priya", "Dmitri", "James", "Hannah", "Walter", "Tomasz",
    "Zoë", "Renée", "José", "Søren", "Chloé", "Mateo", "Aoife", "Siobhán", "Björn",
    "Olu", "Amara", "Kenji", "Mei", "Ines", "Rafael", "Noor", "Yusuf", "Freya", "Mila",
    "小龙", "美玲", "さくら", "ليلى", "محمد", "Ольга", "Андрей", "Δήμητρα", "Jordan",
    "Alex", "Sam", "Robin", "Taylor", "Casey", "Morgan", "Jamie",
]
LAST_NAMES = [
    "Ng", "Moreau", "Raman", "Volkov", "Whitaker", "Schmidt", "Brooks", "Kowalski",
    "O'Brien-Núñez", "García", "Müller", "Okafor", "Nakamura", "Haddad", "Ó Súilleabháin",
    "van der Berg", "D'Angelo", "Lindqvist", "李", "王", "佐藤", "حداد", "Иванова",
    "Παπαδοπούλου", "Smith", "Johnson", "Nguyen", "Kim", "Patel", "Silva",
]
CITIES = ["Portland", "Seattle", "Tacoma", "Eugene", "Bend", "Salem", "Dublin", "Dubai",
          "Vancouver", "Boise", "Spokane", "Beaverton", "Olympia", "Reno"]
TIERS = ["bronze", "silver", "gold", "platinum"]
DEVICES = ["iphone", "ipad", "android", "desktop", "imac"]
DEVICE_WEIGHTS = [40, 12, 30, 16, 2]
CURRENCIES = ["USD", "USD", "USD", "EUR", "CAD", "GBP"]
CATEGORIES = ["apparel", "home", "electronics", "beauty", "grocery", "garden", "toys",
              "books", "rewards", "events", "baby", "alcohol", "health"]
CATEGORY_WEIGHTS = [20, 20, 12, 10, 10, 8, 6, 6, 6, 4, 2, 2, 2]
BROWSING = ["coffee beans", "herbal tea", "running shoes", "bedding", "candles",
            "throat lozenges", "wine glasses", "yoga mats", "cookware", "board games"]
ITEMS = ["Linen duvet cover", "Oak side table", "Trail running shoes", "Ceramic mug set",
         "Merino scarf", "Cast-iron skillet", "Desk lamp", "Wool throw", "Rain jacket",
         "Scented candle", "Espresso beans", "Cotton towels"]
PRODUCTS = ["linen", "outerwear", "garden furniture", "cookware", "bedding", "lighting",
            "running gear", "tableware", "rugs", "candles", "knitwear", "luggage"]
THEMES = ["Spring edit", "Weekend sale", "New arrivals", "Members' week", "Summer preview",
          "Home refresh", "Outdoor living", "Back to routine", "Gift guide", "Flash sale"]

# Tokens: (template text, is it a block). Each reads one or more profile fields.
# Subject and preheader phrases, each holding one token.
SUBJECT_PARTS = [
    '{{title loyalty.tier}} picks',
    'in {{default location.city "your town"}}',
    '{{currency account.balance account.currency}} credit',
    '+{{default loyalty.points 0}} pts',
    'for {{default nickname "you"}}',
    'on {{lower device}}',
    'the {{last_name}} edit',
    'by {{upper loyalty.tier}}',
]
SUBJECT_OPENERS = ['{{default first_name "there"}},', '{{first_name}},', 'Hi {{default first_name "there"}}:']
GREETINGS = [
    '<p>Hi {{default first_name "there"}},</p>',
    '<p>Dear {{default first_name "customer"}} {{last_name}},</p>',
    '<p>Hello {{first_name}},</p>',
]
BODY_TOKENS = [
    '<p>As a {{title loyalty.tier}} member you see it first.</p>',
    '{{#if (gt loyalty.points 0)}}<p>You have {{loyalty.points}} points to use at checkout.</p>{{/if}}',
    '{{#if (gt account.balance 0)}}<p>Your store credit: {{currency account.balance account.currency}}.</p>{{else}}<p>Earn store credit on every order.</p>{{/if}}',
    '<p>Your balance is {{currency account.balance account.currency}}.</p>',
    '<p>Pick up at our {{default location.city "nearest"}} store today.</p>',
    '{{#if recent_orders}}<ul>{{#each recent_orders}}<li>{{item}}: {{currency total}}</li>{{/each}}</ul>{{/if}}',
    '{{#each recent_orders}}<p>Pairs well with your {{lower item}}.</p>{{/each}}',
    '<p>Sent to {{upper device}} readers first.</p>',
    '{{#if nickname}}<p>PS {{nickname}}, we saved you a seat.</p>{{/if}}',
    '{{#unless consent.personalization}}<p>Update your preferences any time.</p>{{/unless}}',
    '{{#with location}}<p>Events near {{default city "you"}} this month.</p>{{/with}}',
    '<p>{{first_name}}, this one is for you.</p>',
    '{{#if (and household.has_infant (gte age 18))}}<p>Parents save 10% in the nursery.</p>{{/if}}',
    '<p>Members since {{default member_since "this year"}}.</p>',
]


PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*( [A-Za-z0-9_.-]+)*$")
RESERVED = {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"}


def q(value):
    """A YAML double-quoted scalar (JSON string escapes are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def scalar(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return repr(value)
    if PLAIN.match(value) and value.lower() not in RESERVED:
        return value
    return q(value)


def emit(value, indent=0):
    """Emit a block-style YAML mapping/sequence of plain data."""
    pad = "  " * indent
    lines = []
    if isinstance(value, dict):
        for key, v in value.items():
            if isinstance(v, dict) and v:
                lines.append(f"{pad}{key}:")
                lines.extend(emit(v, indent + 1))
            elif isinstance(v, list) and v and any(isinstance(x, (dict, list)) for x in v):
                lines.append(f"{pad}{key}:")
                lines.extend(emit(v, indent + 1))
            elif isinstance(v, list):
                lines.append(f"{pad}{key}: [{', '.join(scalar(x) for x in v)}]")
            else:
                lines.append(f"{pad}{key}: {scalar(v)}")
    elif isinstance(value, list):
        for item in value:
            sub = emit(item, indent + 1)
            first = sub[0].lstrip()
            lines.append(f"{pad}- {first}")
            lines.extend(sub[1:])
    return lines


def block(text, indent):
    pad = "  " * indent
    return "|\n" + "".join(f"{pad}{line}\n" if line else "\n" for line in text.split("\n"))


def make_profile(rng, n):
    p = {"id": f"p{n:04d}"}
    has_first = rng.random() > 0.05
    first = rng.choice(FIRST_NAMES)
    last = rng.choice(LAST_NAMES)
    p["description"] = f"Synthetic customer {n}" + ("" if has_first else ", no first name on file")
    if has_first:
        p["first_name"] = first
    p["last_name"] = last
    if rng.random() < 0.15:
        p["nickname"] = first[:3]
    p["age"] = rng.randint(16, 85)
    g = rng.random()
    if g < 0.6:
        p["gender"] = rng.choice(["female", "male", "non-binary"])
    elif g < 0.8:
        p["gender_inferred"] = rng.choice(["female", "male"])
    if rng.random() < 0.9:
        r = rng.random()
        balance = 0 if r < 0.1 else (round(-rng.uniform(1, 80), 2) if r < 0.15 else round(rng.uniform(1, 3000), 2))
        p["account"] = {"balance": balance, "currency": rng.choice(CURRENCIES)}
    if rng.random() < 0.85:
        points = 0 if rng.random() < 0.15 else rng.randint(10, 250000)
        p["loyalty"] = {"tier": rng.choices(TIERS, [40, 30, 20, 10])[0], "points": points}
    p["device"] = rng.choices(DEVICES, DEVICE_WEIGHTS)[0]
    p["consent"] = {"email": True, "personalization": rng.random() < 0.85,
                    "sensitive": rng.random() < 0.3}
    if rng.random() < 0.15:
        p["household"] = {"has_infant": True}
    if rng.random() < 0.4:
        p["browsing"] = {"recent_categories": rng.sample(BROWSING, rng.randint(1, 3))}
    p["location"] = {"city": rng.choice(CITIES)}
    if rng.random() < 0.7:
        p["recent_orders"] = [{"item": rng.choice(ITEMS), "total": round(rng.uniform(8, 400), 2)}
                              for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.5:
        p["member_since"] = str(rng.randint(2009, 2024))
    return p


def make_audience(rng):
    kind = rng.random()
    if kind < 0.35:
        tiers = sorted(rng.sample(TIERS, rng.randint(1, 2)), key=TIERS.index)
        if len(tiers) == 1:
            return {"field": "loyalty.tier", "eq": tiers[0]}
        return {"field": "loyalty.tier", "in": tiers}
    if kind < 0.6:
        lo = rng.choice([18, 21, 25, 30, 35, 45, 55])
        return {"all": [{"field": "age", "gte": lo}, {"field": "age", "lt": lo + rng.choice([10, 15, 20])}]}
    if kind < 0.8:
        return {"field": "device", "eq": rng.choices(DEVICES, DEVICE_WEIGHTS)[0]}
    if kind < 0.9:
        return {"all": [{"field": "loyalty.tier", "in": ["gold", "platinum"]},
                        {"field": "device", "in": ["iphone", "ipad"]}]}
    return {"any": [{"field": "loyalty.points", "gt": rng.choice([1000, 5000, 20000])},
                    {"not": {"field": "account.balance", "lte": 0}}]}


def subject_for(rng, theme):
    parts = rng.sample(SUBJECT_PARTS, rng.randint(4, 7))
    return f"{rng.choice(SUBJECT_OPENERS)} {theme.lower()}, {', '.join(parts)}"


def preheader_for(rng):
    return "Only this week: " + ", ".join(rng.sample(SUBJECT_PARTS, rng.randint(2, 4)))


def body_for(rng, product):
    toks = rng.sample(BODY_TOKENS, rng.randint(7, min(14, len(BODY_TOKENS))))
    lines = ["{{> header}}", rng.choice(GREETINGS)]
    lines.append(f"<p>This week: {product} at member prices, online and in every store.</p>")
    lines.extend(toks)
    lines.append(f'<p><a href="https://harborpine.example/{product.replace(" ", "-")}">Shop {product}</a></p>')
    lines.append("{{> footer}}")
    return "\n".join(lines)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="project folder to create (must be empty or absent)")
    ap.add_argument("--campaigns", type=int, default=100)
    ap.add_argument("--variants", type=int, default=10, help="variants per campaign, the catch-all included")
    ap.add_argument("--profiles", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    if a.campaigns < 1 or a.variants < 1 or a.profiles < 1:
        ap.error("--campaigns, --variants and --profiles must be at least 1")
    if os.path.isdir(a.out) and os.listdir(a.out):
        ap.error(f"{a.out} is not empty")

    rng = random.Random(a.seed)
    out = a.out

    write(os.path.join(out, "campaigns", "partials", "header.hbs"),
          '<table role="presentation" width="100%"><tr><td align="center">'
          '<img src="https://harborpine.example/img/logo.png" width="180" alt="Harbor &amp; Pine">'
          "</td></tr></table>\n")
    write(os.path.join(out, "campaigns", "partials", "footer.hbs"),
          '<p style="font-size:12px;color:#6b6b6b">Harbor &amp; Pine, 410 Alder Street, Portland, OR 97204.<br>\n'
          '<a href="https://harborpine.example/account/preferences">Email preferences</a> |\n'
          '<a href="https://harborpine.example/unsubscribe">Unsubscribe</a></p>\n')

    width = max(3, len(str(a.campaigns)))
    for c in range(1, a.campaigns + 1):
        cid = f"c{c:0{width}d}"
        theme = rng.choice(THEMES)
        cats = sorted(set(rng.choices(CATEGORIES, CATEGORY_WEIGHTS, k=rng.randint(1, 2))))
        lines = [f"id: {cid}", f"name: {q(theme + ' ' + str(c))}", "channel: email",
                 f"categories: [{', '.join(cats)}]", "control: generic", "variants:"]
        for v in range(1, a.variants + 1):
            last = v == a.variants
            vid = "generic" if last else f"v{v:02d}"
            product = rng.choice(PRODUCTS)
            lines.append(f"  - id: {vid}")
            if not last:
                lines.extend(emit({"audience": make_audience(rng)}, 2))
                lines.append(f"    subject: {q(subject_for(rng, theme))}")
                lines.append(f"    preheader: {q(preheader_for(rng))}")
                body = body_for(rng, product)
            else:
                lines.append(f"    subject: {q(theme + ': new this week')}")
                lines.append(f"    preheader: {q('Online and in every store')}")
                body = ("{{> header}}\n<p>Hello,</p>\n"
                        f"<p>This week: {product} at member prices, online and in every store.</p>\n"
                        "{{> footer}}")
            if not last and (c + v) % 5 == 0:
                rel = f"templates/{cid}-{vid}.html.hbs"
                write(os.path.join(out, "campaigns", rel), body + "\n")
                lines.append(f"    body_file: {rel}")
            else:
                lines.append("    body: " + block(body, 3).rstrip("\n"))
        write(os.path.join(out, "campaigns", f"{cid}.yaml"), "\n".join(lines) + "\n")

    profiles = [make_profile(rng, n) for n in range(1, a.profiles + 1)]
    # Three file shapes: the first tenth one per file, then YAML lists of up to 25,
    # then multi-document files of up to 25.
    singles = max(1, a.profiles // 10)
    rest = profiles[singles:]
    half = len(rest) // 2
    pdir = os.path.join(out, "sample-profiles")
    for p in profiles[:singles]:
        write(os.path.join(pdir, f"{p['id']}.yaml"), "\n".join(emit(p)) + "\n")
    for i in range(0, half, 25):
        chunk = rest[i:min(i + 25, half)]
        write(os.path.join(pdir, f"list-{i // 25 + 1:03d}.yaml"), "\n".join(emit(chunk)) + "\n")
    for i in range(half, len(rest), 25):
        chunk = rest[i:i + 25]
        docs = ["\n".join(emit(p)) for p in chunk]
        write(os.path.join(pdir, f"docs-{(i - half) // 25 + 1:03d}.yaml"), "\n---\n".join(docs) + "\n")

    print(f"wrote {a.campaigns} campaigns x {a.variants} variants and {a.profiles} profiles to {out}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
