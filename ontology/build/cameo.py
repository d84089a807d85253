"""Generate ``ontology/cameo.ttl``, kgload's CAMEO event vocabulary, from the CAMEO code list.

Run from the repository root, with the shared data beside it::

    python ontology/build/cameo.py ../shared/data/cameo/CAMEO_codefile.txt ontology/cameo.ttl

``tests/test_cameo.py`` regenerates the file and compares (skipped when the code list is
absent). The code list (CAMEO 0.7b5, with the ICEWS label variants; MIT licence, from the
openeventdata/text_to_CAMEO project) has one ``LABEL: CODE= text`` line per code and
``LABELi:`` lines for the ICEWS variants, under ``//NN: FAMILY`` headings.

What is generated, and nothing more (the file gives no definitions, so none are written):

* one ``skos:Concept`` per family (two-digit root) in ``kg:CameoScheme``, with its heading
  as ``skos:prefLabel`` and its CAMEO quad class (a property of the families that GDELT
  and ICEWS publish, not in the code list: 01-05 verbal cooperation, 06-09 material
  cooperation, 10-14 verbal conflict, 15-20 material conflict);
* one ``owl:Class`` per code, with ``kg:cameoCode`` and ``kg:cameoFamily``. The family's
  own code (``NN0``) is a subclass of ``kg:Action``; a three-digit code is a subclass of
  its family's ``NN0`` class; a four-digit code of its three-digit parent;
* the last ``LABEL`` of a code as its ``rdfs:label`` (with a lower-case first letter, as
  every kgload label), the ``LABELi`` variants as ``skos:altLabel`` and earlier ``LABEL``
  lines of the same code (the list corrects a line by repeating it) as
  ``skos:hiddenLabel``, so that a search finds them; four misspellings of the list
  (``SPELLING``) are corrected in the label and the name, and kept as hidden labels;
* the class's local name: the label in CamelCase without its parenthesis ("Appeal for
  diplomatic cooperation (such as policy support)" is ``AppealForDiplomaticCooperation``),
  except for the classes kgload named before this vocabulary (``NAMES``), which keep
  their names so that existing facts files and stores stay valid.

What kgload says about these classes beyond CAMEO (which families are cooperative or
hostile, which relations an action derives, our own definitions) is written by hand in
``ontology/kgload.ttl``.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

# Classes kgload named before the whole vocabulary was generated (facts files use them).
NAMES = {
    "020": "Appeal",
    "026": "Invite",
    "0312": "AgreeToCooperateMilitarily",
    "036": "AcceptInvitation",
    "046": "Negotiate",
    "064": "ShareIntelligence",
    "087": "DeEscalate",
    "111": "Criticize",
    "1121": "AccuseOfCrime",
    "138": "ThreatenMilitaryForce",
    "173": "Seize",
    "181": "Abduct",
    "190": "Fight",
}

# Misspellings of the list, corrected in the label and the class name; the list's own
# spelling stays a hidden label, so that a search for it still finds the class.
SPELLING = {"Apolgize": "Apologize", "Ostruct": "Obstruct", "adminstrative": "administrative",
            "commment": "comment"}

QUAD_CLASSES = {**dict.fromkeys(range(1, 6), 1), **dict.fromkeys(range(6, 10), 2),
                **dict.fromkeys(range(10, 15), 3), **dict.fromkeys(range(15, 21), 4)}

_HEADING = re.compile(r"^//\s*(\d{2})\s*[:=]\s*(.+?)\s*$")
_LABEL = re.compile(r"^LABEL(i?)\s*:\s*(\w+?)(i?)\s*=\s*(.+?)\s*$", re.IGNORECASE)
_CODE = re.compile(r"^\d{3,4}$")


@dataclass
class Code:
    code: str
    labels: list[str] = field(default_factory=list)  # LABEL lines, in file order
    variants: list[str] = field(default_factory=list)  # LABELi lines (ICEWS)


@dataclass
class CodeList:
    families: dict[str, str]  # "01" -> heading
    codes: dict[str, Code]
    skipped: list[str]  # lines that name no code of the list, reported by main()


def parse(text: str) -> CodeList:
    families: dict[str, str] = {}
    codes: dict[str, Code] = {}
    skipped: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line == "//":
            continue
        heading = _HEADING.match(line)
        if heading:
            families[heading.group(1)] = heading.group(2)
            continue
        if line.startswith("//"):
            continue
        label = _LABEL.match(line)
        if label is None:
            skipped.append(f"line {number}: {line}")
            continue
        variant_line, code, variant_code, words = label.groups()
        if not _CODE.match(code):  # "13y": not a code
            skipped.append(f"line {number}: {line}")
            continue
        entry = codes.setdefault(code, Code(code))
        if variant_line or variant_code:
            if words not in entry.variants:
                entry.variants.append(words)
        else:
            fixed = " ".join(SPELLING.get(w, w) for w in words.split(" "))
            for label in (words, fixed):
                if label in entry.labels:  # a repeated line: the last one is the label
                    entry.labels.remove(label)
                entry.labels.append(label)
    for code, entry in codes.items():
        if not entry.labels:
            raise ValueError(f"code {code} has only ICEWS variants, no LABEL line")
        if code[:2] not in families:
            raise ValueError(f"code {code} is under no family heading")
    return CodeList(families, codes, skipped)


def _sentence(text: str) -> str:
    """The first letter in lower case, unless the first word is an acronym."""
    first = text.split(" ", 1)[0]
    return text if first.isupper() and len(first) > 1 else text[0].lower() + text[1:]


def class_name(code: str, label: str) -> str:
    if code in NAMES:
        return NAMES[code]
    words = re.sub(r"\(.*?\)", " ", label)
    words = re.sub(r"[^A-Za-z0-9]+", " ", words).split()
    return "".join(w[0].upper() + w[1:] for w in words)


def parent(code: str) -> str | None:
    if len(code) == 4:
        return code[:3]
    if code.endswith("0"):
        return None  # the family's own code: a subclass of kg:Action
    return code[:2] + "0"


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _labels(predicate: str, values: list[str]) -> str:
    return f"{predicate} " + " , ".join(f"{_literal(_sentence(v))}@en" for v in values)


def render(codes: CodeList) -> str:
    names = {c: class_name(c, e.labels[-1]) for c, e in codes.codes.items()}
    clashes = {n for n in names.values() if list(names.values()).count(n) > 1}
    if clashes:
        raise ValueError(f"two codes would share the class name(s) {sorted(clashes)}")
    out = [
        "# GENERATED by ontology/build/cameo.py from CAMEO_codefile.txt (CAMEO 0.7b5 with the",
        "# ICEWS label variants; MIT licence, openeventdata/text_to_CAMEO). Do not edit: change",
        "# the generator, or say more about a class in ontology/kgload.ttl.",
        "",
        "@prefix kg:   <https://w3id.org/kgload/ontology#> .",
        "@prefix owl:  <http://www.w3.org/2002/07/owl#> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
        "",
        "# ---------------------------------------------------------------- the 20 families",
        "",
    ]
    for family, heading in sorted(codes.families.items()):
        out.append(
            f"kg:Cameo{family} a skos:Concept ; skos:inScheme kg:CameoScheme ; "
            f"skos:topConceptOf kg:CameoScheme ;\n"
            f"    skos:prefLabel {_literal(heading.capitalize())}@en ; "
            f'skos:notation "{family}" ; kg:cameoCode "{family}" ; '
            f"kg:quadClass {QUAD_CLASSES[int(family)]} ."
        )
    out += ["", f"# ---------------------------------------------------------------- the "
                f"{len(codes.codes)} event codes", ""]
    for code in sorted(codes.codes):
        entry = codes.codes[code]
        up = parent(code)
        if up is not None and up not in codes.codes:
            raise ValueError(f"code {code} has no parent code {up} in the list")
        lines = [
            f"kg:{names[code]} a owl:Class ; "
            f"rdfs:subClassOf {'kg:Action' if up is None else 'kg:' + names[up]} ;",
            f"    rdfs:label {_literal(_sentence(entry.labels[-1]))}@en ; "
            f'kg:cameoCode "{code}" ; kg:cameoFamily kg:Cameo{code[:2]}',
        ]
        shown = {_sentence(entry.labels[-1])}
        variants = [v for v in entry.variants if _sentence(v) not in shown]
        if variants:
            lines[-1] += " ;\n    " + _labels("skos:altLabel", variants)
            shown.update(_sentence(v) for v in variants)
        hidden = [v for v in entry.labels[:-1] if _sentence(v) not in shown]
        if hidden:
            lines[-1] += " ;\n    " + _labels("skos:hiddenLabel", hidden)
        out.append("\n".join(lines) + " .")
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    codes = parse(Path(argv[1]).read_text(encoding="utf-8"))
    Path(argv[2]).write_text(render(codes), encoding="utf-8")
    for line in codes.skipped:
        print(f"skipped (names no code): {line}", file=sys.stderr)
    print(f"{argv[2]}: {len(codes.families)} families, {len(codes.codes)} codes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
