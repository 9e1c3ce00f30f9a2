#!/usr/bin/env python3
"""Generate a real-size mergeproof project for benchmarks.

    python3 bench/generate_real.py --out DIR [--profiles 10000] [--seed 7]
                                   [--campaigns 1] [--variants 5]

Campaigns (one by default) of variants (five by default: one per loyalty tier,
then everyone; with fewer, the first tiers, then everyone) whose HTML bodies
are the size platforms send:
20 to 40 KB of nested table HTML with inline CSS, a hidden preheader, an
Outlook-only block, a header and footer partial, a loop over the customer's
recent orders with links and images, and tokens in text, in URL attributes
and in `alt` text. Customers are as distinct as a real list's: first and last
names built from syllables (thousands of distinct names), a unique id and
order ids in every link, points and balances spread over a wide range, a few
customers with fields missing or empty. Written as one YAML list in
sample-profiles/, which mergeproof, the render floor and bench/render.js all
read. The output depends only on the arguments: the same seed gives the same
bytes. Standard library only.
"""

import argparse
import json
import os
import random

SYLLABLES = ["an", "be", "ca", "do", "el", "fa", "gi", "ha", "io", "ju", "ka", "li",
             "mo", "na", "or", "pe", "qui", "ra", "si", "ta", "ul", "vi", "wo", "xe",
             "ya", "zo", "ré", "ño", "ël", "ø"]
TIERS = ["bronze", "silver", "gold", "platinum"]
PRODUCTS = ["Linen duvet cover", "Oak side table", "Trail running shoes", "Ceramic mug set",
            "Merino scarf", "Cast-iron skillet", "Desk lamp", "Wool throw", "Rain jacket",
            "Scented candle", "Espresso beans", "Cotton towels", "Walnut tray",
            "Stoneware bowl", "Canvas tote", "Bamboo sheets"]
CITIES = ["Portland", "Seattle", "Tacoma", "Eugene", "Dublin", "Vancouver", "Boise"]

CSS = {
    "body": "margin:0;padding:0;background-color:#f4f1ec;font-family:Helvetica,Arial,sans-serif;",
    "outer": "width:100%;background-color:#f4f1ec;border-collapse:collapse;",
    "inner": "width:600px;max-width:600px;background-color:#ffffff;border-collapse:collapse;margin:0 auto;",
    "cell": "padding:16px 24px;font-size:15px;line-height:22px;color:#2b2b2b;text-align:left;",
    "heading": "margin:0 0 12px 0;font-size:24px;line-height:30px;font-weight:bold;color:#1d1d1b;",
    "button": "display:inline-block;padding:12px 28px;background-color:#1d4d3a;color:#ffffff;text-decoration:none;border-radius:4px;font-weight:bold;",
    "muted": "font-size:12px;line-height:18px;color:#7a7a7a;",
    "divider": "border-top:1px solid #e4e0d8;height:1px;line-height:1px;font-size:1px;",
}


def style(name):
    return f'style="{CSS[name]}"'


def row(content):
    return (f'<tr>\n  <td class="cell" {style("cell")}>\n    {content}\n  </td>\n</tr>\n')


def product_block(rng, i):
    """A static product tile: the bulk of a real promotional email."""
    name = rng.choice(PRODUCTS)
    price = rng.randrange(12, 480)
    return (
        f'<table role="presentation" cellpadding="0" cellspacing="0" border="0" width="100%" {style("outer")}>\n'
        f'<tr><td width="180" valign="top" style="padding:8px;">'
        f'<a href="https://harborpine.example/p/{i}-{name.lower().replace(" ", "-")}?utm_source=email&utm_campaign=spring">'
        f'<img src="https://cdn.harborpine.example/img/{i}.jpg" width="164" height="164" alt="{name}" style="display:block;border:0;width:164px;height:164px;"></a></td>\n'
        f'<td valign="top" {style("cell")}><p {style("heading")}>{name}</p>'
        f'<p style="margin:0 0 8px 0;">Made to last, with free returns for 60 days and free repairs for members.</p>'
        f'<p style="margin:0;font-weight:bold;">${price}.00</p></td></tr>\n'
        f'</table>\n'
    )


def body(rng, variant, tiles):
    parts = [
        '{{> header}}\n',
        '<div style="display:none;max-height:0;overflow:hidden;mso-hide:all;">'
        '{{default first_name "Hello"}}, your ' + variant + ' picks and {{loyalty.points}} points are waiting'
        '&nbsp;&zwnj;&nbsp;&zwnj;&nbsp;&zwnj;&nbsp;&zwnj;</div>\n',
        f'<table role="presentation" cellpadding="0" cellspacing="0" border="0" width="100%" {style("outer")}>\n<tr><td align="center">\n',
        f'<table role="presentation" cellpadding="0" cellspacing="0" border="0" width="600" {style("inner")}>\n',
        row(f'<h1 {style("heading")}>Hi {{{{default first_name "there"}}}},</h1>'
            '<p style="margin:0;">Your {{title loyalty.tier}} membership has '
            '{{loyalty.points}} points to spend, worth {{currency account.balance account.currency}}.</p>'),
        row(f'<a href="https://harborpine.example/account/{{{{customer_id}}}}?utm_source=email" {style("button")}>'
            'See your account</a>'),
        '<!--[if mso]><tr><td style="padding:0 24px;">Viewing in Outlook? '
        '<a href="https://harborpine.example/view/{{customer_id}}">Open it in your browser</a>.</td></tr><![endif]-->\n',
        '{{#if recent_orders}}\n',
        row(f'<p {style("heading")}>Your recent orders</p>'),
        '{{#each recent_orders}}\n',
        row('<a href="https://harborpine.example/orders/{{id}}?customer={{../customer_id}}">'
            '<img src="https://cdn.harborpine.example/orders/{{id}}.jpg" width="64" alt="{{name}}"></a> '
            '{{name}}, ordered {{this.date}}: <a href="https://harborpine.example/track/{{id}}">track it</a>'),
        '{{/each}}\n',
        '{{/if}}\n',
        row(f'<p {style("divider")}>&nbsp;</p>'),
    ]
    for i in range(tiles):
        parts.append(row(product_block(rng, i)))
    parts += [
        row('{{#if (gt loyalty.points 0)}}<p>Spend your {{loyalty.points}} points before '
            '{{date loyalty.expires "%B %-d"}}.</p>{{else}}<p>Earn points on every order.</p>{{/if}}'),
        '</table>\n</td></tr>\n</table>\n',
        '{{> footer}}\n',
    ]
    return "".join(parts)


HEADER = (f'<table role="presentation" cellpadding="0" cellspacing="0" border="0" width="100%" {style("outer")}>'
          '<tr><td align="center" style="padding:24px 0;">'
          '<a href="https://harborpine.example/?utm_source=email">'
          '<img src="https://cdn.harborpine.example/logo.png" width="160" alt="Harbor &amp; Pine"></a>'
          '</td></tr></table>\n')
FOOTER = (f'<table role="presentation" cellpadding="0" cellspacing="0" border="0" width="100%" {style("outer")}>'
          f'<tr><td align="center" {style("muted")}>'
          'Harbor &amp; Pine, 410 Alder Street, {{default address.city "Portland"}}.<br>'
          '<a href="https://harborpine.example/preferences/{{customer_id}}">Email preferences</a> | '
          '<a href="https://harborpine.example/unsubscribe/{{customer_id}}">Unsubscribe</a>'
          '</td></tr></table>\n')


def name(rng, parts):
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


def profile(rng, i):
    p = {
        "id": f"c{i:07d}",
        "customer_id": f"HP-{rng.randrange(10**9):09d}",
        "first_name": name(rng, rng.choice([2, 2, 3])),
        "last_name": name(rng, rng.choice([2, 3, 3])),
        "email": f"customer{i}@example.com",
        "loyalty": {
            "tier": rng.choice(TIERS),
            "points": rng.choice([0, rng.randrange(1, 50), rng.randrange(50, 25000)]),
            "expires": f"2027-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
        },
        "account": {
            "balance": round(rng.uniform(0, 900), 2),
            "currency": rng.choice(["USD", "USD", "EUR", "CAD"]),
        },
        "address": {"city": rng.choice(CITIES)},
        "recent_orders": [
            {
                "id": f"HP{rng.randrange(10**8):08d}",
                "name": rng.choice(PRODUCTS),
                "date": f"2026-{rng.randrange(1, 12):02d}-{rng.randrange(1, 29):02d}",
            }
            for _ in range(rng.choice([0, 1, 2, 3, 5]))
        ],
    }
    # A real list has holes: a few customers without a name or a city.
    roll = rng.random()
    if roll < 0.03:
        del p["first_name"]
    elif roll < 0.05:
        p["first_name"] = ""
    elif roll < 0.06:
        del p["address"]
    return p


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--profiles", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--campaigns", type=int, default=1)
    parser.add_argument("--variants", type=int, default=5, choices=range(1, 6))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(os.path.join(args.out, "campaigns", "partials"), exist_ok=True)
    os.makedirs(os.path.join(args.out, "campaigns", "templates"), exist_ok=True)
    os.makedirs(os.path.join(args.out, "sample-profiles"), exist_ok=True)
    with open(os.path.join(args.out, "campaigns", "partials", "header.hbs"), "w") as f:
        f.write(HEADER)
    with open(os.path.join(args.out, "campaigns", "partials", "footer.hbs"), "w") as f:
        f.write(FOOTER)
    sizes = []
    tiers = TIERS[: args.variants - 1] + [None]
    tile_counts = [18, 22, 26, 30, 24]
    for c in range(args.campaigns):
        cid = "spring" if c == 0 else f"spring-{c + 1}"
        variants = []
        for v, tier in enumerate(tiers):
            vid = tier or "everyone"
            text = body(rng, vid, tile_counts[(v + c) % len(tile_counts)] if tier else 24)
            sizes.append(len(text.encode()))
            path = f"templates/{cid}-{vid}.hbs"
            with open(os.path.join(args.out, "campaigns", path), "w") as f:
                f.write(text)
            audience = f"    audience: {{ field: loyalty.tier, eq: {tier} }}\n" if tier else ""
            variants.append(
                f"  - id: {vid}\n{audience}"
                f"    subject: \"{{{{default first_name 'Hello'}}}}, your {vid} picks\"\n"
                f"    preheader: \"{{{{loyalty.points}}}} points to spend\"\n"
                f"    body_file: {path}\n")
        with open(os.path.join(args.out, "campaigns", f"{cid}.yaml"), "w") as f:
            f.write("control: everyone\nvariants:\n" + "".join(variants))
    with open(os.path.join(args.out, "sample-profiles", "customers.yaml"), "w") as f:
        for i in range(args.profiles):
            f.write("- " + json.dumps(profile(rng, i), ensure_ascii=False) + "\n")
    print(f"{args.campaigns} campaigns x {len(tiers)} variants, bodies of "
          f"{min(sizes) // 1024} to {max(sizes) // 1024} KB, {args.profiles} customers")


if __name__ == "__main__":
    main()
