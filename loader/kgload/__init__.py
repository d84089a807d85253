"""kgload: turn the facts news articles report into a reasoned, validated RDF knowledge graph."""

__version__ = "0.1.0"
