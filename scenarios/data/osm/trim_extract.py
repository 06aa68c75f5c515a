"""Cut an OSM XML extract down to its roads: every way with a ``highway`` tag and the nodes they use.

Buildings, land use, waterways and relations are dropped (the drive network never reads them); footways
and cycleways stay, so the provider's own filter is what leaves them out. Node and way elements are
copied unchanged, with their tags, in the file's order; ``<bounds>`` is kept.

Usage (from the repository root; reproduces ``sindal_2017_roads.osm``)::

    python scenarios/data/osm/trim_extract.py /work/shared/data/osm/roads/sindal_2017.osm \
        scenarios/data/osm/sindal_2017_roads.osm
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def trim(source: Path, target: Path) -> tuple[int, int]:
    """Write the road-only copy of ``source`` to ``target``; return (nodes, ways) kept."""
    root = ET.parse(source).getroot()
    ways = [w for w in root.iter("way") if any(t.get("k") == "highway" for t in w.findall("tag"))]
    used = {nd.get("ref") for w in ways for nd in w.findall("nd")}
    out = ET.Element("osm", root.attrib)
    bounds = root.find("bounds")
    if bounds is not None:
        out.append(bounds)
    nodes = [n for n in root.iter("node") if n.get("id") in used]
    out.extend(nodes)
    out.extend(ways)
    ET.indent(out, space=" ")
    target.write_bytes(ET.tostring(out, encoding="UTF-8", xml_declaration=True) + b"\n")
    return len(nodes), len(ways)


if __name__ == "__main__":
    kept_nodes, kept_ways = trim(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"kept {kept_nodes} nodes and {kept_ways} highway ways")
