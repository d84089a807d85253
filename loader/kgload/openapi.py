"""The OpenAPI 3 description of ``kgload serve``, generated from the stored queries.

Each stored query becomes ``GET /queries/NAME``, its operation made from the query's
``#+`` header as grlc does: ``summary``, ``description`` and ``tags`` as they are, each
declared parameter a query parameter with its type, allowed values, default and
description. Paging (``limit``, ``offset``, ``page``) and ``format`` are added to each.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import __version__
from .media import ROW_TYPES, SPARQL_RESULTS
from .queries import Param, StoredQuery

# reserved names of GET /queries/NAME (a stored query's own parameter may not use them)
PAGING = ("limit", "offset", "page", "format")
ROW_FORMATS = ("json", "csv", "tsv", "jsonl", "sparql-json", "sparql-xml")


def _schema(param: Param) -> dict[str, Any]:
    kind = param.type
    if kind == "integer":
        schema: dict[str, Any] = {"type": "integer"}
    elif kind == "date":
        schema = {"type": "string", "format": "date"}
    elif kind == "cameo":
        schema = {"type": "string", "pattern": "^[0-9]{2,4}$"}
    elif kind == "iri" and param.cls is None:
        schema = {"type": "string", "format": "iri"}
    else:
        schema = {"type": "string"}
    if param.values:
        schema["enum"] = list(param.values)
    if param.default is not None:
        schema["default"] = int(param.default) if kind == "integer" and \
            param.default.lstrip("+-").isdigit() else param.default
    return schema


_KIND_HELP = {
    "actor": "an actor: its name, an alias, its entity id or its IRI",
    "entity": "an entity: its name, an alias, its entity id or its IRI",
    "iri": "an IRI",
    "date": "a date, YYYY-MM-DD",
    "cameo": "a CAMEO code, 2 to 4 digits (13, 138)",
    "integer": "a whole number",
    "string": "text",
}


def _parameter(param: Param) -> dict[str, Any]:
    kind = _KIND_HELP.get(param.type, param.type)
    if param.cls:
        kind += f" (of class kg:{param.cls})"
    text = f"{param.description} ({kind})" if param.description else kind[0].upper() + kind[1:]
    return {"name": param.name, "in": "query", "required": param.required,
            "description": text, "schema": _schema(param)}


_PAGING_PARAMS: list[dict[str, Any]] = [
    {"name": "limit", "in": "query", "required": False,
     "description": "At most this many rows (the page size with page).",
     "schema": {"type": "integer", "minimum": 1}},
    {"name": "offset", "in": "query", "required": False,
     "description": "Skip the first rows.", "schema": {"type": "integer", "minimum": 0}},
    {"name": "page", "in": "query", "required": False,
     "description": "Page of the rows (pages of limit rows, or of the query's own size).",
     "schema": {"type": "integer", "minimum": 1}},
    {"name": "format", "in": "query", "required": False,
     "description": "Output format (instead of the Accept header).",
     "schema": {"type": "string", "enum": list(ROW_FORMATS)}},
]


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {
        "type": "object", "properties": {"error": {"type": "string"}}}}}}


def _rows_content() -> dict[str, Any]:
    content: dict[str, Any] = {}
    for media in dict.fromkeys(ROW_TYPES):
        content[media] = {"schema": {"type": "array", "items": {"type": "object"}}} \
            if media == "application/json" else {"schema": {"type": "string"}}
    return content


def _operation(query: StoredQuery) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": query.name,
        "summary": query.summary or query.name,
        "parameters": [_parameter(p) for p in query.params] + _PAGING_PARAMS,
        "responses": {
            "200": {"description": "The rows (a page of them with limit/page; a Link "
                                   "header names the next page).",
                    "content": _rows_content()},
            "406": _error("None of the formats the Accept header names."),
            "422": _error("A parameter is unknown, missing or not of its type (the "
                          "message is the command line's)."),
            "503": _error("The store is being written (Retry-After says when to try "
                          "again), or the query ran past the server's time limit."),
        },
    }
    if query.description:
        operation["description"] = query.description
    if query.tags:
        operation["tags"] = list(query.tags)
    return operation


def _sparql_paths() -> dict[str, Any]:
    results = {media: {"schema": {"type": "string"}} for media in SPARQL_RESULTS}
    dataset = [
        {"name": "default-graph-uri", "in": "query", "required": False,
         "description": "A graph of the default graph (repeatable); without it and "
                        "named-graph-uri the default graph is the union of all graphs.",
         "schema": {"type": "array", "items": {"type": "string"}}, "explode": True},
        {"name": "named-graph-uri", "in": "query", "required": False,
         "description": "A named graph that GRAPH may read (repeatable).",
         "schema": {"type": "array", "items": {"type": "string"}}, "explode": True},
    ]
    responses = {
        "200": {"description": "SPARQL results (SELECT, ASK) or RDF (CONSTRUCT, "
                               "DESCRIBE), as the Accept header asks.", "content": results},
        "400": {"description": "Not valid SPARQL, or a query that calls SERVICE."},
        "406": {"description": "None of the formats the Accept header names."},
        "503": {"description": "The store is being written (Retry-After), or the query "
                               "ran past the time limit."},
    }
    return {"/sparql": {
        "get": {"operationId": "sparql-get", "summary": "SPARQL 1.1 query (GET)",
                "tags": ["sparql"],
                "parameters": [{"name": "query", "in": "query", "required": True,
                                "description": "The SPARQL query.",
                                "schema": {"type": "string"}}, *dataset],
                "responses": responses},
        "post": {"operationId": "sparql-post",
                 "summary": "SPARQL 1.1 query (form or direct POST); updates only with "
                            "--allow-update and the token",
                 "tags": ["sparql"], "parameters": dataset,
                 "requestBody": {"required": True, "content": {
                     "application/x-www-form-urlencoded": {"schema": {
                         "type": "object", "properties": {
                             "query": {"type": "string"}, "update": {"type": "string"}}}},
                     "application/sparql-query": {"schema": {"type": "string"}},
                     "application/sparql-update": {"schema": {"type": "string"}}}},
                 "responses": {**responses,
                               "204": {"description": "The update was applied."},
                               "401": {"description": "An update without the right token."},
                               "403": {"description": "Updates are not allowed."},
                               "415": {"description": "Not a SPARQL POST media type."}}},
    }}


def openapi(queries: Iterable[StoredQuery], *, title: str = "kgload") -> dict[str, Any]:
    """The OpenAPI 3.0 document of a server answering ``queries``."""
    queries = sorted(queries, key=lambda q: q.name)
    paths: dict[str, Any] = {
        "/queries": {"get": {
            "operationId": "list-queries", "summary": "The stored queries and their "
                                                     "parameters", "tags": ["queries"],
            "responses": {"200": {"description": "One object per stored query.",
                                  "content": {"application/json": {"schema": {
                                      "type": "array", "items": {"type": "object"}}}}}}}},
    }
    for query in queries:
        paths[f"/queries/{query.name}"] = {"get": _operation(query)}
    paths.update(_sparql_paths())
    tags = sorted({t for q in queries for t in q.tags} | {"queries", "sparql"})
    return {
        "openapi": "3.0.3",
        "info": {"title": title, "version": __version__,
                 "description": "Stored queries of a kgload knowledge graph, each a GET "
                                "endpoint, and a read-only SPARQL 1.1 endpoint."},
        "tags": [{"name": t} for t in tags],
        "paths": paths,
    }


def query_listing(queries: Iterable[StoredQuery]) -> list[dict[str, Any]]:
    """``GET /queries``: each stored query's name, summary, tags and parameters."""
    return [{"name": q.name, "path": f"/queries/{q.name}", "summary": q.summary,
             "description": q.description, "tags": list(q.tags),
             "pagination": q.pagination,
             "params": [{"name": p.name, "type": p.type, "required": p.required,
                         "default": p.default, "description": p.description,
                         "values": list(p.values), "class": p.cls} for p in q.params]}
            for q in sorted(queries, key=lambda q: q.name)]
