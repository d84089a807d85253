"""The ontology's terms as a namespace object: a typo in a term is an error, not a new IRI.

Only terms the code uses are listed; ``tests/test_ontology.py`` checks each is defined in
``ontology/kgload.ttl``.
"""

from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import DefinedNamespace, Namespace

KG_IRI = "https://w3id.org/kgload/ontology#"
ONTOLOGY_IRI = "https://w3id.org/kgload/ontology"


class KG(DefinedNamespace):
    """kgload ontology terms used by the loader."""

    _NS = Namespace(KG_IRI)
    _fail = True

    # classes
    Action: URIRef
    Actor: URIRef
    Article: URIRef
    CameoScheme: URIRef
    Entity: URIRef
    HappenedAction: URIRef
    Mention: URIRef
    Precision: URIRef
    Quantity: URIRef
    RoleAssignment: URIRef
    TimeSpan: URIRef
    UnknownActor: URIRef
    # object properties
    about: URIRef
    agent: URIRef
    assertedGraph: URIRef
    attributedTo: URIRef
    borderOf: URIRef
    borders: URIRef
    capital: URIRef
    hasPart: URIRef
    holds: URIRef
    ifAction: URIRef
    inferredGraph: URIRef
    inferredOnly: URIRef
    length: URIRef
    locatedIn: URIRef
    medium: URIRef
    mention: URIRef
    mentionRole: URIRef
    partOf: URIRef
    place: URIRef
    precision: URIRef
    refersTo: URIRef
    reportedIn: URIRef
    reportsEvent: URIRef
    roleIn: URIRef
    status: URIRef
    target: URIRef
    time: URIRef
    unlessAction: URIRef
    # datatype and annotation properties
    alias: URIRef
    cameoActorCode: URIRef
    cameoCode: URIRef
    cameoFamily: URIRef
    quadClass: URIRef
    derivesRelation: URIRef
    derivesMutualRelation: URIRef
    derivedBy: URIRef
    firstAssertedOrder: URIRef
    firstInferredOrder: URIRef
    loadOrder: URIRef
    certain: URIRef
    demonym: URIRef
    descriptor: URIRef
    end: URIRef
    evidence: URIRef
    eventCode: URIRef
    eventSortKey: URIRef
    factId: URIRef
    iso3166Alpha3: URIRef
    kgloadVersion: URIRef
    listingRow: URIRef
    loadedAt: URIRef
    modelDigest: URIRef
    name: URIRef
    ontologyVersion: URIRef
    published: URIRef
    publisher: URIRef
    quantityValue: URIRef
    quote: URIRef
    roleName: URIRef
    shapesVersion: URIRef
    sortKey: URIRef
    storeFormat: URIRef
    source: URIRef
    sourceFile: URIRef
    sourceFormat: URIRef
    sourceGraph: URIRef
    sourceLine: URIRef
    sourceSha256: URIRef
    sourceText: URIRef
    start: URIRef
    summary: URIRef
    surfaceText: URIRef
    timeText: URIRef
    unit: URIRef
    url: URIRef
    wikidataId: URIRef
    # individuals
    Day: URIRef
    Month: URIRef
    Year: URIRef
    Approximate: URIRef


ERR_NS = "http://www.daml.org/2002/03/agents/agent-ont#"
