"""Write a scenario dict as a readable YAML file (atomically)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from routing.files import write_atomic


class _Dumper(yaml.SafeDumper):
    """Block style for the structure, flow style for small leaf mappings and lists (one line each)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_dict(dumper: yaml.SafeDumper, data: dict[str, Any]) -> yaml.Node:
    leaf = all(
        not isinstance(v, (dict, list)) or (isinstance(v, list) and all(not isinstance(x, (dict, list)) for x in v))
        for v in data.values()
    )
    flow = leaf and len(data) <= 8
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = all(not isinstance(x, (dict, list)) for x in data) or all(isinstance(x, list) for x in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(dict, _represent_dict)
_Dumper.add_representer(list, _represent_list)


def dump_scenario(data: dict[str, Any]) -> str:
    """The YAML text of a scenario dict (key order kept, Unicode as is)."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=200)


def write_scenario(path: str | Path, data: dict[str, Any], header: str = "") -> None:
    """Write ``data`` to ``path`` atomically, with ``header`` lines as YAML comments on top."""
    comment = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    write_atomic(path, comment + dump_scenario(data))
