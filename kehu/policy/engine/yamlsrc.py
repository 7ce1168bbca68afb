"""YAML parsing that remembers the line of every key and list item, so validation can point at it."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import yaml


class LineDict(dict):
    """A mapping from the pack file; `line` is where it starts, `lines[key]` where each key is written."""

    line: int
    lines: dict[Any, int]
    duplicates: list[tuple[Any, int]]

    def line_of(self, key: Any) -> int:
        return self.lines.get(key, self.line)


class LineList(list):
    """A sequence from the pack file; `lines[i]` is the line of item i."""

    line: int
    lines: list[int]

    def line_of(self, index: int) -> int:
        return self.lines[index] if 0 <= index < len(self.lines) else self.line


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.lines = {}
    result.duplicates = []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        key_line = key_node.start_mark.line + 1
        if key in result:
            result.duplicates.append((key, key_line))
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_line
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.lines = [child.start_mark.line + 1 for child in node.value]
    return result


def _construct_decimal(loader: _LineLoader, node: yaml.ScalarNode) -> Decimal | str:
    # Floats become Decimal from their written text, so 0.9 stays exactly 0.9.
    text = loader.construct_scalar(node).replace("_", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text
    return value if value.is_finite() else text


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
_LineLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


def parse_yaml(text: str) -> Any:
    """Parse YAML text into LineDict / LineList / scalars. Raises yaml.YAMLError on syntax errors."""
    return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - _LineLoader derives from SafeLoader
