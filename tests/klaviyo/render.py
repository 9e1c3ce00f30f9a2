"""Renders tests/klaviyo/corpus.json with Django, as Klaviyo's templates are
written, and prints what each case gives as JSON (or writes expected.json
with --write).

Klaviyo's own additions run as stand-ins on the same Django, so that the
Django underneath is what is checked:
  - filters `lookup` (a dict's key or a list's index, else ""), `concat` and
    `append` (the value's text followed by the argument's);
  - tags `unsubscribe`, `unsubscribe_url`, `manage_preferences`,
    `manage_preferences_url`, `web_view`, `web_view_url`, printing the
    placeholder links mergeproof prints for them.
`person` is the profile itself. A case with "html": true renders with
autoescaping on (an email body); otherwise off (a subject, an SMS).
"""

import json
import pathlib
import sys

import django
from django.conf import settings

settings.configure(
    TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates"}]
)
django.setup()

from django import template  # noqa: E402
from django.template import Context, Engine  # noqa: E402

library = template.Library()


@library.filter
def lookup(value, key):
    try:
        return value[key]
    except (KeyError, IndexError, TypeError):
        try:
            return value[int(key)]
        except (KeyError, IndexError, TypeError, ValueError):
            return ""


@library.filter
def concat(value, arg):
    return f"{value}{arg}"


library.filter("append", concat)

PLATFORM_TAGS = {
    "unsubscribe": '<a href="https://manage.kmail-lists.com/subscriptions/unsubscribe">Unsubscribe</a>',
    "unsubscribe_url": "https://manage.kmail-lists.com/subscriptions/unsubscribe",
    "manage_preferences": '<a href="https://manage.kmail-lists.com/subscriptions/manage">Manage Preferences</a>',
    "manage_preferences_url": "https://manage.kmail-lists.com/subscriptions/manage",
    "web_view": '<a href="https://www.klaviyo.com/view">View in browser</a>',
    "web_view_url": "https://www.klaviyo.com/view",
}


def platform_tag(text):
    class Node(template.Node):
        def render(self, context):
            return text

    return lambda parser, token: Node()


for name, text in PLATFORM_TAGS.items():
    library.tag(name, platform_tag(text))

sys.modules["klaviyo_standins"] = type(sys)("klaviyo_standins")
sys.modules["klaviyo_standins"].register = library


def engine(autoescape):
    return Engine(autoescape=autoescape, builtins=["klaviyo_standins"])


def main():
    folder = pathlib.Path(__file__).parent
    corpus = json.loads((folder / "corpus.json").read_text())
    engines = {True: engine(True), False: engine(False)}
    results = {}
    for case in corpus:
        data = case.get("data", {})
        context = dict(data)
        context.setdefault("person", data)
        try:
            html = bool(case.get("html"))
            compiled = engines[html].from_string(case["template"])
        except template.TemplateSyntaxError as error:
            results[case["name"]] = {"load_error": str(error)}
            continue
        try:
            results[case["name"]] = {"output": compiled.render(Context(context, autoescape=html))}
        except Exception as error:  # Django stops the render: nothing is sent.
            results[case["name"]] = {"error": f"{type(error).__name__}: {error}"}
    text = json.dumps(results, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    if "--write" in sys.argv:
        (folder / "expected.json").write_text(text)
    else:
        sys.stdout.write(text)


main()
